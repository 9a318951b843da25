package dev.uvswap.bindings;

import dev.uvswap.bindings.libc.Errno;
import dev.uvswap.bindings.libc.Syscalls;
import dev.uvswap.bindings.libc.iovec;
import dev.uvswap.bindings.libc.libc_h;
import dev.uvswap.bindings.uffd.uffd_msg;
import dev.uvswap.bindings.uffd.uffdio_api;
import dev.uvswap.bindings.uffd.uffdio_copy;
import dev.uvswap.bindings.uffd.uffdio_move;
import dev.uvswap.bindings.uffd.uffdio_poison;
import dev.uvswap.bindings.uffd.uffdio_range;
import dev.uvswap.bindings.uffd.uffdio_register;
import dev.uvswap.bindings.uffd.uffdio_writeprotect;
import dev.uvswap.bindings.uffd.uffdio_zeropage;
import dev.uvswap.bindings.uffd.userfaultfd_h;
import dev.uvswap.bindings.uvswap.uvs_codec;
import dev.uvswap.bindings.uvswap.uvs_completion;
import dev.uvswap.bindings.uvswap.uvs_config;
import dev.uvswap.bindings.uvswap.uvs_cresult;
import dev.uvswap.bindings.uvswap.uvs_far_rec;
import dev.uvswap.bindings.uvswap.uvs_magazine;
import dev.uvswap.bindings.uvswap.uvs_ring;
import dev.uvswap.bindings.uvswap.uvs_server_stats;
import dev.uvswap.bindings.uvswap.uvs_unit;
import dev.uvswap.bindings.uvswap.UvswapInline;
import dev.uvswap.bindings.uvswap.UvswapLibrary;
import dev.uvswap.bindings.uvswap.uvswap_h;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Java bindings against the C headers, with gcc as the judge: a generated C program prints
 * sizeof/_Alignof/offsetof of every struct and member (nested ones and array elements too), every
 * constant, the errno name table and the static inline helpers on sample values; every Java value must
 * be equal.  All mismatches are reported together.  Also checks that the bindings cover every constant,
 * struct and function uvswap.h declares, with matching C argument widths, and that jextract.sh lists
 * exactly what the classes bind.
 */
@ExtendWith(PrintSkipReasons.class)
class LayoutTest {

    static final List<Class<?>> STRUCTS = List.of(
            iovec.class,
            uffdio_api.class, uffdio_range.class, uffdio_register.class, uffdio_copy.class,
            uffdio_zeropage.class, uffdio_move.class, uffdio_writeprotect.class, uffdio_poison.class, uffd_msg.class,
            uvs_completion.class, uvs_ring.class, uvs_server_stats.class, uvs_codec.class, uvs_config.class,
            uvs_cresult.class, uvs_magazine.class, uvs_far_rec.class, uvs_unit.class);

    static final List<Class<?>> HEADERS = List.of(libc_h.class, userfaultfd_h.class, uvswap_h.class);

    /** Hand-written classes whose NAME() constants gcc checks too (SYS_userfaultfd and O_NOFOLLOW by os.arch). */
    static final List<Class<?>> HAND_CONSTANTS = List.of(Syscalls.class);

    /** Accessors that do not name a top-level member: their C member path. */
    static final Map<String, String> ACCESSOR_PATHS = Map.of(
            "uffd_msg.pagefault_flags", "arg.pagefault.flags",
            "uffd_msg.pagefault_address", "arg.pagefault.address",
            "uffd_msg.pagefault_ptid", "arg.pagefault.feat.ptid");

    static final Pattern CONSTANT_NAME = Pattern.compile("_?[A-Z][A-Za-z0-9_]*");

    /** One value both sides must agree on: {@code cExpr} is printed by the C program as unsigned 64-bit. */
    record Fact(String key, long java, String cExpr) {}

    @Test
    void layoutsAndConstantsMatchTheCHeaders(@TempDir Path dir) throws Exception {
        Optional<Path> gcc = onPath("gcc");
        Assumptions.assumeTrue(gcc.isPresent(),
                "gcc not found on PATH: cannot compile the C side, so the Java layouts were NOT checked");
        Path include = includeDir();

        List<String> problems = new ArrayList<>();
        List<Fact> facts = new ArrayList<>();
        for (Class<?> s : STRUCTS) {
            structFacts(s, facts, problems);
        }
        constantFacts(facts);
        errnoFacts(facts);
        inlineFacts(facts);

        Path src = dir.resolve("layout_check.c");
        Path exe = dir.resolve("layout_check");
        Files.writeString(src, cProgram(facts));
        Run cc = run(List.of(gcc.get().toString(), "-std=gnu11", "-Wall", "-Werror", "-I", include.toString(),
                "-o", exe.toString(), src.toString()));
        if (cc.status != 0) {
            Path kept = Files.createTempFile("uvswap-layout_check-", ".c");
            Files.copy(src, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            fail("gcc could not compile the layout program (kept as " + kept + "); a Java binding names something "
                    + "the C headers do not have:\n" + cc.output);
        }
        Run prog = run(List.of(exe.toString()));
        if (prog.status != 0) {
            fail("the layout program failed (status " + prog.status + "):\n" + prog.output);
        }
        Map<String, String> c = new HashMap<>();
        for (String line : prog.output.split("\n")) {
            int sp = line.lastIndexOf(' ');
            if (sp > 0) {
                c.put(line.substring(0, sp), line.substring(sp + 1).trim());
            }
        }
        for (Fact f : facts) {
            String cv = c.get(f.key());
            String jv = Long.toUnsignedString(f.java());
            if (cv == null) {
                problems.add(f.key() + ": no C value printed");
            } else if (!cv.equals(jv)) {
                problems.add(f.key() + ": Java " + pretty(f.java()) + ", C " + pretty(Long.parseUnsignedLong(cv))
                        + "   [" + f.cExpr() + "]");
            }
        }
        UvswapLibrary.require();  // uvswap_h's descriptors are in holders that resolve the symbol
        problems.addAll(headerCoverageProblems(include.resolve("uvswap.h")));

        System.out.println("LayoutTest: " + facts.size() + " facts compared with gcc " + gcc.get()
                + " against " + include + "; " + problems.size() + " problem(s)");
        assertTrue(problems.isEmpty(), () -> problems.size() + " mismatch(es) between the Java bindings and the C "
                + "headers in " + include + ":\n  " + String.join("\n  ", problems));
    }

    @Test
    void jextractScriptListsExactlyWhatTheClassesBind() throws IOException {
        Path script = Path.of(System.getProperty("uvswap.bindings.dir", ".")).resolve("jextract.sh");
        assertTrue(Files.isRegularFile(script), "jextract.sh not found at " + script.toAbsolutePath());
        String text = Files.readString(script);
        List<String> problems = new ArrayList<>();
        Map<String, Class<?>> headerOf = Map.of("uvswap", uvswap_h.class, "uffd", userfaultfd_h.class, "libc", libc_h.class);
        for (var e : headerOf.entrySet()) {
            String prefix = e.getKey();
            Class<?> header = e.getValue();
            compare(problems, script + " " + prefix + "_constants", bashArray(text, prefix + "_constants"),
                    new TreeSet<>(constants(header).keySet()));
            compare(problems, script + " " + prefix + "_functions", bashArray(text, prefix + "_functions"),
                    functions(header));
            Set<String> structs = new TreeSet<>();
            for (Class<?> s : STRUCTS) {
                if (s.getPackage().equals(header.getPackage())) {
                    structs.add(s.getSimpleName());
                }
            }
            compare(problems, script + " " + prefix + "_structs", bashArray(text, prefix + "_structs"), structs);
        }
        assertTrue(problems.isEmpty(), () -> String.join("\n", problems));
    }

    // ---------------------------------------------------------------------------------------------
    // Facts
    // ---------------------------------------------------------------------------------------------

    static void structFacts(Class<?> s, List<Fact> facts, List<String> problems) throws ReflectiveOperationException {
        GroupLayout layout = (GroupLayout) s.getMethod("layout").invoke(null);
        String name = layout.name().orElse(s.getSimpleName());
        if (!name.equals(s.getSimpleName())) {
            problems.add(s.getName() + ": layout is named " + name);
        }
        String type = "struct " + name;
        facts.add(new Fact("sizeof." + name, (long) s.getMethod("sizeof").invoke(null), "sizeof(" + type + ")"));
        facts.add(new Fact("alignof." + name, layout.byteAlignment(), "_Alignof(" + type + ")"));
        walk(type, name, layout, "", 0, facts);

        for (Method m : s.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0) {
                continue;
            }
            String mn = m.getName();
            if (!mn.endsWith("$offset") && !mn.endsWith("$layout")) {
                continue;
            }
            String field = mn.substring(0, mn.indexOf('$'));
            String path = ACCESSOR_PATHS.get(name + "." + field);
            if (path == null) {
                boolean member = layout.memberLayouts().stream().anyMatch(l -> l.name().equals(Optional.of(field)));
                if (!member) {
                    problems.add(s.getName() + "." + mn + "(): names no member of " + type
                            + " (add its C path to LayoutTest.ACCESSOR_PATHS)");
                    continue;
                }
                path = field;
            }
            if (mn.endsWith("$offset")) {
                facts.add(new Fact("accessor." + name + "." + mn + "()", (long) m.invoke(null),
                        "offsetof(" + type + ", " + path + ")"));
            } else {
                MemoryLayout l = (MemoryLayout) m.invoke(null);
                if (!(l instanceof SequenceLayout seq && seq.elementCount() == 0)) {
                    facts.add(new Fact("accessor." + name + "." + mn + "().byteSize()", l.byteSize(),
                            "sizeof(((" + type + " *)0)->" + path + ")"));
                }
            }
        }
    }

    /** offsetof and sizeof of every named member, recursively; for arrays also the element size. */
    static void walk(String type, String name, MemoryLayout layout, String path, long offset, List<Fact> facts) {
        if (!(layout instanceof GroupLayout g)) {
            return;
        }
        long off = offset;
        for (MemoryLayout m : g.memberLayouts()) {
            long at = g instanceof StructLayout ? off : offset;  // union members all start at the union
            if (!(m instanceof PaddingLayout) && m.name().isPresent()) {
                String p = path.isEmpty() ? m.name().get() : path + "." + m.name().get();
                facts.add(new Fact("offsetof." + name + "." + p, at, "offsetof(" + type + ", " + p + ")"));
                member(type, name, m, p, at, facts);
            }
            off += m.byteSize();
        }
    }

    static void member(String type, String name, MemoryLayout m, String p, long at, List<Fact> facts) {
        if (m instanceof SequenceLayout seq && seq.elementCount() == 0) {
            return; // flexible array member: C has no sizeof for it; its offset is checked
        }
        facts.add(new Fact("fieldsize." + name + "." + p, m.byteSize(), "sizeof(((" + type + " *)0)->" + p + ")"));
        if (m instanceof GroupLayout) {
            walk(type, name, m, p, at, facts);
        } else if (m instanceof SequenceLayout seq) {
            member(type, name, seq.elementLayout(), p + "[0]", at, facts);
        }
    }

    /** Every NAME() constant of the header classes: int, long, or an address (MAP_FAILED). */
    static Map<String, Long> constants(Class<?> header) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Method m : header.getDeclaredMethods()) {
            if (!Modifier.isPublic(m.getModifiers()) || !Modifier.isStatic(m.getModifiers())
                    || m.getParameterCount() != 0 || !CONSTANT_NAME.matcher(m.getName()).matches()) {
                continue;
            }
            try {
                Object v = m.invoke(null);
                long value = switch (v) {
                    case Integer i -> i;
                    case Long l -> l;
                    case MemorySegment seg -> seg.address();
                    default -> throw new AssertionError(header.getSimpleName() + "." + m.getName() + " returns " + v);
                };
                out.put(m.getName(), value);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    /**
     * Names of the bound C functions: those with a {@code $descriptor()} accessor, and the variadic ones
     * (jextract binds them as a nested class with a {@code makeInvoker} factory).
     */
    static Set<String> functions(Class<?> header) {
        Set<String> out = new TreeSet<>();
        for (Method m : header.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && m.getName().endsWith("$descriptor")) {
                out.add(m.getName().substring(0, m.getName().length() - "$descriptor".length()));
            }
        }
        for (Class<?> c : header.getDeclaredClasses()) {
            if (Modifier.isPublic(c.getModifiers()) && Arrays.stream(c.getDeclaredMethods())
                    .anyMatch(m -> m.getName().equals("makeInvoker") && Modifier.isStatic(m.getModifiers()))) {
                out.add(c.getSimpleName());
            }
        }
        return out;
    }

    static void constantFacts(List<Fact> facts) {
        for (Class<?> h : concat(HEADERS, HAND_CONSTANTS)) {
            for (var e : constants(h).entrySet()) {
                String n = e.getKey();
                String cExpr = n.equals("MAP_FAILED") ? "(uintptr_t)MAP_FAILED" : n;
                facts.add(new Fact("const." + h.getSimpleName() + "." + n, e.getValue(), cExpr));
            }
        }
    }

    static List<Class<?>> concat(List<Class<?>> a, List<Class<?>> b) {
        List<Class<?>> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static void errnoFacts(List<Fact> facts) {
        for (int n = 1; n < 256; n++) {
            String name = Errno.name(n);
            if (!name.startsWith("errno ")) {
                facts.add(new Fact("errno.name." + name, n, name));
            }
        }
    }

    /** The static inline helpers of uvswap.h against their Java twins, on values that exercise the high bits. */
    static void inlineFacts(List<Fact> facts) {
        long[] words = {0L, 1L, 0x9L, 0x123456789ABCL, 0x1FFF_FFFF_FFFF_FFFFL, 0xFEDC_BA98_7654_3215L, -1L};
        for (long w : words) {
            inline(facts, "uvs_pm_from_vslot", () -> UvswapInline.uvs_pm_from_vslot(w), w);
            inline(facts, "uvs_pm_to_vslot", () -> UvswapInline.uvs_pm_to_vslot(w), w);
            inline(facts, "uvs_pm_busy", () -> UvswapInline.uvs_pm_busy(w) ? 1 : 0, w);
            inline(facts, "uvs_desc_tag", () -> UvswapInline.uvs_desc_tag(w), w);
            inline(facts, "uvs_desc_payload", () -> UvswapInline.uvs_desc_payload(w), w);
            inline(facts, "uvs_handle_fmt", () -> UvswapInline.uvs_handle_fmt(w), w);
            inline(facts, "uvs_handle_len", () -> UvswapInline.uvs_handle_len(w), w);
            inline(facts, "uvs_handle_off", () -> UvswapInline.uvs_handle_off(w), w);
            inline(facts, "uvs_handle_is_unit", () -> UvswapInline.uvs_handle_is_unit(w) ? 1 : 0, w);
            inline(facts, "uvs_handle_unit_page", () -> UvswapInline.uvs_handle_unit_page(w), w);
            inline(facts, "uvs_fh_file", () -> UvswapInline.uvs_fh_file(w), w);
            inline(facts, "uvs_fh_off", () -> UvswapInline.uvs_fh_off(w), w);
        }
        inline(facts, "uvs_desc_make", () -> UvswapInline.uvs_desc_make(uvswap_h.UVS_TAG_CACHE(), 0x1234_5678_9ABCL),
                uvswap_h.UVS_TAG_CACHE(), 0x1234_5678_9ABCL);
        inline(facts, "uvs_desc_make", () -> UvswapInline.uvs_desc_make(uvswap_h.UVS_TAG_ZSWAP(), 0x1FFF_FFFF_FFFF_FFFFL),
                uvswap_h.UVS_TAG_ZSWAP(), 0x1FFF_FFFF_FFFF_FFFFL);
        inline(facts, "uvs_handle_make", () -> UvswapInline.uvs_handle_make(0x3FFF_FFFF_FFFFL, 4096, uvswap_h.UVS_FMT_FILL()),
                0x3FFF_FFFF_FFFFL, 4096, uvswap_h.UVS_FMT_FILL());
        inline(facts, "uvs_handle_make", () -> UvswapInline.uvs_handle_make(12345, 1, uvswap_h.UVS_FMT_LZ4()),
                12345, 1, uvswap_h.UVS_FMT_LZ4());
        inline(facts, "uvs_fh_make", () -> UvswapInline.uvs_fh_make(31, 0x1FF_FFFF_FFFFL, 4096, uvswap_h.UVS_FMT_FILL()),
                31, 0x1FF_FFFF_FFFFL, 4096, uvswap_h.UVS_FMT_FILL());
        inline(facts, "uvs_fh_make", () -> UvswapInline.uvs_fh_make(5, 12345L << uvswap_h.UVS_PAGE_SHIFT(), 77, uvswap_h.UVS_FMT_ZSTD()),
                5, 12345L << uvswap_h.UVS_PAGE_SHIFT(), 77, uvswap_h.UVS_FMT_ZSTD());
    }

    static void inline(List<Fact> facts, String fn, LongSupplier java, long... args) {
        List<String> a = new ArrayList<>();
        for (long x : args) {
            a.add("0x" + Long.toHexString(x) + "ULL");
        }
        String call = fn + "(" + String.join(", ", a) + ")";
        facts.add(new Fact("inline." + call, java.getAsLong(), call));
    }

    static String cProgram(List<Fact> facts) {
        StringBuilder b = new StringBuilder("""
                /* Generated by dev.uvswap.bindings.LayoutTest: prints what the C compiler thinks. */
                #define _GNU_SOURCE
                #include <stddef.h>
                #include <stdint.h>
                #include <stdio.h>
                #include <errno.h>
                #include <fcntl.h>
                #include <limits.h>
                #include <sys/mman.h>
                #include <sys/syscall.h>
                #include <sys/uio.h>
                #include <unistd.h>
                #include "uvs_uffd.h"
                #include "uvswap.h"

                #define FACT(key, expr) printf("%s %llu\\n", key, (unsigned long long)(expr))

                int main(void)
                {
                """);
        for (Fact f : facts) {
            b.append("\tFACT(\"").append(f.key().replace("\"", "\\\"")).append("\", ").append(f.cExpr()).append(");\n");
        }
        return b.append("\treturn 0;\n}\n").toString();
    }

    // ---------------------------------------------------------------------------------------------
    // uvswap.h coverage: every constant, struct and function it declares is bound, with matching widths
    // ---------------------------------------------------------------------------------------------

    static List<String> headerCoverageProblems(Path header) throws IOException {
        String text = Files.readString(header);
        String code = text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ");
        List<String> problems = new ArrayList<>();
        Map<String, Long> java = constants(uvswap_h.class);

        Set<String> cConstants = new TreeSet<>();
        Matcher d = Pattern.compile("(?m)^#define\\s+(UVS_[A-Z0-9_]+)\\s+\\S").matcher(code);
        while (d.find()) {
            if (!d.group(1).equals("UVS_API")) {
                cConstants.add(d.group(1));
            }
        }
        Matcher en = Pattern.compile("(?m)^\\s*(UVS_[A-Z0-9_]+)\\s*=").matcher(code);
        while (en.find()) {
            cConstants.add(en.group(1));
        }
        for (String n : cConstants) {
            if (!java.containsKey(n)) {
                problems.add(header + " defines " + n + ", uvswap_h has no " + n + "()");
            }
        }

        Set<String> structNames = new TreeSet<>();
        STRUCTS.forEach(s -> structNames.add(s.getSimpleName()));
        Matcher st = Pattern.compile("struct\\s+(uvs_\\w+)\\s*\\{").matcher(code);
        while (st.find()) {
            if (!structNames.contains(st.group(1))) {
                problems.add(header + " defines struct " + st.group(1) + ", which has no binding class");
            }
        }

        Set<String> cFunctions = new TreeSet<>();
        Matcher fn = Pattern.compile("UVS_API\\s+([^;()]*?)\\b(uvs_\\w+)\\s*\\(([^)]*)\\)\\s*;").matcher(code);
        while (fn.find()) {
            String name = fn.group(2);
            cFunctions.add(name);
            StringBuilder cSig = new StringBuilder(cType(fn.group(1), problems, name)).append('(');
            String params = fn.group(3).trim();
            if (!params.equals("void") && !params.isEmpty()) {
                for (String p : params.split(",")) {
                    String t = p.trim().replaceAll("\\s+", " ");
                    t = t.contains("*") ? t : t.substring(0, t.lastIndexOf(' ')); // drop the parameter name
                    cSig.append(cType(t, problems, name));
                }
            }
            cSig.append(')');
            try {
                FunctionDescriptor desc = (FunctionDescriptor) uvswap_h.class.getMethod(name + "$descriptor").invoke(null);
                StringBuilder jSig = new StringBuilder(desc.returnLayout().map(LayoutTest::kind).orElse("V")).append('(');
                desc.argumentLayouts().forEach(l -> jSig.append(kind(l)));
                jSig.append(')');
                if (!jSig.toString().contentEquals(cSig)) {
                    problems.add(name + ": C signature " + cSig + ", Java descriptor " + jSig
                            + " (J = 64-bit, I = 32-bit, A = pointer)   [" + fn.group().replaceAll("\\s+", " ") + "]");
                }
            } catch (NoSuchMethodException e) {
                problems.add(header + " declares " + name + "(), uvswap_h does not bind it");
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
        for (String n : functions(uvswap_h.class)) {
            if (!cFunctions.contains(n)) {
                problems.add("uvswap_h binds " + n + "(), which " + header + " does not declare");
            }
        }
        return problems;
    }

    static String cType(String t, List<String> problems, String fn) {
        t = t.trim();
        if (t.contains("*")) {
            return "A";
        }
        return switch (t.replace("const ", "").trim()) {
            case "int64_t", "uint64_t" -> "J";
            case "int32_t", "uint32_t" -> "I";
            case "void" -> "V";
            default -> {
                problems.add(fn + ": LayoutTest does not know the C type '" + t + "'");
                yield "?";
            }
        };
    }

    static String kind(MemoryLayout l) {
        return switch (l) {
            case AddressLayout a -> "A";
            case ValueLayout.OfLong j -> "J";
            case ValueLayout.OfInt i -> "I";
            default -> "<" + l + ">";
        };
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    static Path includeDir() {
        String p = System.getProperty("uvswap.include.dir");
        if (p == null) {
            fail("system property uvswap.include.dir is not set (the surefire configuration of bindings/pom.xml sets "
                    + "it to ../native/include)");
        }
        Path dir = Path.of(p);
        if (!Files.isRegularFile(dir.resolve("uvswap.h")) || !Files.isRegularFile(dir.resolve("uvs_uffd.h"))) {
            fail("uvswap.include.dir=" + p + " does not hold uvswap.h and uvs_uffd.h");
        }
        return dir;
    }

    static Optional<Path> onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, exe);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    record Run(int status, String output) {}

    static Run run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Run(-1, "timed out: " + String.join(" ", command));
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static String pretty(long v) {
        return v >= 0 && v < 100_000 ? Long.toString(v) : Long.toUnsignedString(v) + " (0x" + Long.toHexString(v) + ")";
    }

    static List<String> bashArray(String script, String name) {
        Matcher m = Pattern.compile("(?ms)^" + Pattern.quote(name) + "=\\((.*?)\\)").matcher(script);
        if (!m.find()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String w : m.group(1).trim().split("\\s+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    static void compare(List<String> problems, String what, List<String> listed, Set<String> bound) {
        Set<String> l = new TreeSet<>(listed);
        Set<String> missing = new TreeSet<>(bound);
        missing.removeAll(l);
        Set<String> extra = new TreeSet<>(l);
        extra.removeAll(bound);
        if (!missing.isEmpty()) {
            problems.add(what + " lacks " + missing);
        }
        if (!extra.isEmpty()) {
            problems.add(what + " lists " + extra + ", which the classes do not bind");
        }
    }
}
