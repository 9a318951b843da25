package dev.uvswap.bindings.libc;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/**
 * errno for FFM downcalls.  Every libc function that reports failure through errno is linked
 * with {@link #CAPTURE} and passes this thread's capture segment ({@link #state()}), so the JVM's own
 * native work between the call and the check cannot clobber the value.
 *
 * <p>{@link #last()} is meaningful only right after a call that reported failure (returned -1,
 * MAP_FAILED, ...): the capture records errno after every call, successful ones included, and a
 * successful call may leave any value there.
 */
public final class Errno {

    private Errno() {}

    /** The linker option every errno-reporting handle is created with. */
    public static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

    /** Layout of the capture segment ({@code Linker.Option.captureStateLayout()}). */
    public static final StructLayout CAPTURE_STATE_LAYOUT = Linker.Option.captureStateLayout();

    private static final VarHandle ERRNO = CAPTURE_STATE_LAYOUT.varHandle(groupElement("errno"));

    // Auto arena: a thread's segment is freed once the thread and its ThreadLocal entry are gone.
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_STATE_LAYOUT));

    /**
     * This thread's capture segment: the first argument of every capturing handle
     * (the handles of {@link Syscalls}).
     */
    public static MemorySegment state() {
        return STATE.get();
    }

    /** errno of this thread's last capturing call (see the class comment for when it means something). */
    public static int last() {
        return (int) ERRNO.get(STATE.get(), 0L);
    }

    // Linux errno numbers, identical on x86_64 and aarch64 (asm-generic/errno*.h); checked against
    // <errno.h> by LayoutTest.  One name a number: EAGAIN, not EWOULDBLOCK; EOPNOTSUPP, not ENOTSUP.
    private static final String[] NAMES = new String[134];

    static {
        String[] table = {
            "EPERM", "1", "ENOENT", "2", "ESRCH", "3", "EINTR", "4", "EIO", "5", "ENXIO", "6", "E2BIG", "7",
            "ENOEXEC", "8", "EBADF", "9", "ECHILD", "10", "EAGAIN", "11", "ENOMEM", "12", "EACCES", "13",
            "EFAULT", "14", "EBUSY", "16", "EEXIST", "17", "EXDEV", "18", "ENODEV", "19", "ENOTDIR", "20",
            "EISDIR", "21", "EINVAL", "22", "ENFILE", "23", "EMFILE", "24", "ENOTTY", "25", "EFBIG", "27",
            "ENOSPC", "28", "ESPIPE", "29", "EROFS", "30", "EMLINK", "31", "EPIPE", "32", "EDOM", "33",
            "ERANGE", "34", "EDEADLK", "35", "ENAMETOOLONG", "36", "ENOLCK", "37", "ENOSYS", "38",
            "ENOTEMPTY", "39", "ELOOP", "40", "EOVERFLOW", "75", "EOPNOTSUPP", "95", "EADDRINUSE", "98",
            "ECONNRESET", "104", "ETIMEDOUT", "110", "EALREADY", "114", "EINPROGRESS", "115", "EDQUOT", "122",
            "ECANCELED", "125", "EOWNERDEAD", "130", "ERFKILL", "132", "EHWPOISON", "133",
        };
        for (int i = 0; i < table.length; i += 2) {
            NAMES[Integer.parseInt(table[i + 1])] = table[i];
        }
    }

    /** The symbolic name of {@code errno} ("EAGAIN"), or "errno " + the number when it is not in the table. */
    public static String name(int errno) {
        String n = errno > 0 && errno < NAMES.length ? NAMES[errno] : null;
        return n != null ? n : "errno " + errno;
    }

    /** {@code "EAGAIN (Resource temporarily unavailable)"}: the name and libc's strerror text. */
    public static String describe(int errno) {
        return name(errno) + " (" + Syscalls.strerror(errno) + ")";
    }
}
