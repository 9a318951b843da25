package dev.uvswap.internal.far;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One blocking connection speaking RESP2 to a Redis server, for the far tier's Java side:
 * writeback's pipelined {@code SET}s, retire's {@code MGET}s, frees' {@code UNLINK}s and the
 * checks at attach. The fault path reads in C (uvs_far.c), never through this.
 *
 * <p>Hand-written on purpose, about a page of code: C must speak the same protocol anyway, and
 * writeback sends pool bytes straight from the pool's segment into the socket's buffer, which a
 * client library taking {@code byte[]} values would copy twice. Commands are queued with
 * {@link #command} and sent with {@link #flush}; replies are read in order with {@link #read}.
 * Any {@link IOException} leaves the connection in an unknown state: the caller closes it.
 */
final class RespConnection implements AutoCloseable {
    private static final byte[] CRLF = {'\r', '\n'};

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] copy = new byte[8192];

    /** A reply: a status ({@code +OK}), an error ({@code -OOM ...}), an integer, a bulk string (null: nil) or an array. */
    sealed interface Reply {
        record Status(String text) implements Reply { }
        record Error(String text) implements Reply { }
        record Int(long value) implements Reply { }
        record Bulk(byte[] bytes) implements Reply { }
        record Array(List<Reply> items) implements Reply { }

        default boolean isOk() {
            return this instanceof Status s && s.text.equals("OK");
        }
    }

    RespConnection(InetSocketAddress address, int timeoutMillis) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(timeoutMillis);
            s.connect(address, timeoutMillis);
            this.out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
            this.in = new BufferedInputStream(s.getInputStream(), 1 << 16);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        this.socket = s;
    }

    /** Queues a command of {@code args.length} arguments; {@code args} are strings or byte arrays. */
    RespConnection command(Object... args) throws IOException {
        out.write(encode(args));
        return this;
    }

    /** A command as RESP bytes: an array of bulk strings ({@code args} are strings or byte arrays). */
    static byte[] encode(Object... args) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (Object a : args) {
            byte[] v = a instanceof byte[] bytes ? bytes : a.toString().getBytes(StandardCharsets.UTF_8);
            b.writeBytes(("$" + v.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(v);
            b.writeBytes(CRLF);
        }
        return b.toByteArray();
    }

    /** Starts a command whose last argument is written by the caller ({@link #bulkHeader}, {@link #raw}...). */
    RespConnection arrayHeader(int args) throws IOException {
        header('*', args);
        return this;
    }

    void bulk(byte[] b, int from, int len) throws IOException {
        header('$', len);
        out.write(b, from, len);
        out.write(CRLF);
    }

    void bulkHeader(int len) throws IOException {
        header('$', len);
    }

    void raw(byte[] b, int from, int len) throws IOException {
        out.write(b, from, len);
    }

    /** Writes {@code len} bytes of {@code seg} from {@code offset}, through a small buffer. */
    void raw(MemorySegment seg, long offset, int len) throws IOException {
        for (int done = 0; done < len; ) {
            int n = Math.min(copy.length, len - done);
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, offset + done, copy, 0, n);
            out.write(copy, 0, n);
            done += n;
        }
    }

    void endBulk() throws IOException {
        out.write(CRLF);
    }

    private void header(char kind, long n) throws IOException {
        out.write(kind);
        out.write(Long.toString(n).getBytes(StandardCharsets.US_ASCII));
        out.write(CRLF);
    }

    void flush() throws IOException {
        out.flush();
    }

    /** One command, flushed, and its reply. */
    Reply call(Object... args) throws IOException {
        command(args);
        flush();
        return read();
    }

    Reply read() throws IOException {
        int kind = in.read();
        if (kind < 0) {
            throw new EOFException("the server closed the connection");
        }
        String line = line();
        return switch (kind) {
            case '+' -> new Reply.Status(line);
            case '-' -> new Reply.Error(line);
            case ':' -> new Reply.Int(Long.parseLong(line));
            case '$' -> {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    yield new Reply.Bulk(null);
                }
                byte[] b = in.readNBytes(n);
                if (b.length != n || in.read() != '\r' || in.read() != '\n') {
                    throw new EOFException("a bulk reply of " + n + " bytes ended early");
                }
                yield new Reply.Bulk(b);
            }
            case '*' -> {
                int n = Integer.parseInt(line);
                List<Reply> items = new ArrayList<>(Math.max(n, 0));
                for (int i = 0; i < n; i++) {
                    items.add(read());
                }
                yield new Reply.Array(items);
            }
            default -> throw new IOException("not a RESP reply: '" + (char) kind + line + "'");
        };
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (;;) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the server closed the connection mid-reply");
            }
            if (c == '\r') {
                if (in.read() != '\n') {
                    throw new IOException("a reply line without CRLF");
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a broken connection: nothing more to do
        }
    }
}
