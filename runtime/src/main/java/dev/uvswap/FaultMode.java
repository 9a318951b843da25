package dev.uvswap;

/**
 * Who serves a region's faults: the thread that takes the fault, or uvswap's fault-server
 * threads. Chosen per region ({@link RegionOption#FAULTS_IN_THREAD},
 * {@link RegionOption#FAULTS_ON_SERVERS}); {@link VSwap.Builder#faultMode} sets the default.
 */
public enum FaultMode {
    /**
     * The faulting thread serves its own fault, in uvswap's SIGBUS handler (chained in front of
     * the JVM's): no hand-off to another thread, which on a small VM costs more than the service
     * itself. The kernel's own accesses to the region cannot be served this way: a {@code read(2)}
     * into it or a channel write from one of its buffers fails with EFAULT ("Bad address") unless
     * the pages are present ({@link Region#prefault}). The JVM must not have SIGBUS blocked on a
     * thread that touches the region (the JVM never does).
     */
    IN_THREAD,
    /**
     * uvswap's fault-server threads serve the fault while the faulting thread sleeps in the
     * kernel. Faults taken inside system calls are served too (with a userfaultfd that may
     * catch them: {@link VSwap#kernelFaultsHandled()}), so the region works with any I/O.
     */
    SERVER_THREADS
}
