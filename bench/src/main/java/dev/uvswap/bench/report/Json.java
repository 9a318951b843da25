package dev.uvswap.bench.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON value, and a parser just big enough for JMH's result files (the bench jar must not grow a
 * JSON dependency for one report).
 */
sealed interface Json {
    record Obj(Map<String, Json> members) implements Json {}
    record Arr(List<Json> items) implements Json {}
    record Str(String value) implements Json {}
    record Num(double value) implements Json {}
    record Bool(boolean value) implements Json {}
    enum Null implements Json { NULL }

    /** The member called {@code name}, or {@link Null#NULL} when this is no object or has no such member. */
    default Json get(String name) {
        return this instanceof Obj(var m) ? m.getOrDefault(name, Null.NULL) : Null.NULL;
    }

    default List<Json> items() {
        return this instanceof Arr(var a) ? a : List.of();
    }

    default Map<String, Json> members() {
        return this instanceof Obj(var m) ? m : Map.of();
    }

    /** A number; JMH writes NaN and the infinities as strings, so those count too. Anything else is NaN. */
    default double asDouble() {
        return switch (this) {
            case Num(var v) -> v;
            case Str(var s) -> {
                try {
                    yield Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    yield Double.NaN;
                }
            }
            default -> Double.NaN;
        };
    }

    default String asString() {
        return switch (this) {
            case Str(var s) -> s;
            case Num(var v) -> v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
            case Bool(var b) -> Boolean.toString(b);
            default -> "";
        };
    }

    static Json parse(String text) {
        Parser p = new Parser(text);
        Json v = p.value();
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("trailing characters");
        }
        return v;
    }

    final class Parser {
        private final String s;
        private int pos;

        private Parser(String s) {
            this.s = s;
        }

        private IllegalArgumentException error(String what) {
            int line = 1;
            for (int i = 0; i < Math.min(pos, s.length()); i++) {
                if (s.charAt(i) == '\n') {
                    line++;
                }
            }
            return new IllegalArgumentException("JSON: " + what + " at line " + line);
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private char peek() {
            skipSpace();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(pos);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private Json value() {
            return switch (peek()) {
                case '{' -> object();
                case '[' -> array();
                case '"' -> new Str(string());
                case 't' -> literal("true", new Bool(true));
                case 'f' -> literal("false", new Bool(false));
                case 'n' -> literal("null", Null.NULL);
                default -> number();
            };
        }

        private Json literal(String word, Json v) {
            if (!s.startsWith(word, pos)) {
                throw error("unexpected token");
            }
            pos += word.length();
            return v;
        }

        private Json object() {
            expect('{');
            Map<String, Json> m = new LinkedHashMap<>();
            if (peek() == '}') {
                pos++;
                return new Obj(Collections.unmodifiableMap(m));
            }
            while (true) {
                if (peek() != '"') {
                    throw error("expected a member name");
                }
                String k = string();
                expect(':');
                m.put(k, value());
                char c = peek();
                pos++;
                if (c == '}') {
                    return new Obj(Collections.unmodifiableMap(m));
                }
                if (c != ',') {
                    throw error("expected ',' or '}'");
                }
            }
        }

        private Json array() {
            expect('[');
            List<Json> a = new ArrayList<>();
            if (peek() == ']') {
                pos++;
                return new Arr(List.of());
            }
            while (true) {
                a.add(value());
                char c = peek();
                pos++;
                if (c == ']') {
                    return new Arr(Collections.unmodifiableList(a));
                }
                if (c != ',') {
                    throw error("expected ',' or ']'");
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    break;
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length()) {
                            throw error("bad \\u escape");
                        }
                        b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        pos += 4;
                    }
                    default -> b.append(e);
                }
            }
            throw error("unterminated string");
        }

        private Json number() {
            int start = pos;
            while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
            if (start == pos) {
                throw error("unexpected character '" + s.charAt(pos) + "'");
            }
            try {
                return new Num(Double.parseDouble(s.substring(start, pos)));
            } catch (NumberFormatException e) {
                throw error("bad number");
            }
        }
    }
}
