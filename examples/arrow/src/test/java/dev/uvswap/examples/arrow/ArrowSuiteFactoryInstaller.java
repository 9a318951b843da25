package dev.uvswap.examples.arrow;

import dev.uvswap.FaultMode;
import dev.uvswap.MemoryGroup;
import dev.uvswap.VSwap;
import java.lang.reflect.Field;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.DefaultAllocationManagerOption;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Makes uvswap Arrow's default allocation manager for the whole test JVM, so that Arrow's own
 * memory-core tests (run from its tests jar, which build {@code new RootAllocator(...)} with the
 * default factory) allocate every buffer through {@link UvswapAllocationFactory}.
 *
 * <p>Arrow 18.3.0 has no public hook for a custom default: {@code arrow.allocation.manager.type}
 * knows only Netty and Unsafe, and the class-path lookup (CheckAllocator) takes
 * {@code org.apache.arrow.memory.DefaultAllocationManagerFactory} only from a jar whose path
 * says memory-core, memory-unsafe or memory-netty. So this sets the private static cache that
 * {@code DefaultAllocationManagerOption.getDefaultAllocationManagerFactory()} returns once it is
 * filled; deep reflection within the class path (one unnamed module) needs no --add-opens.
 * {@link ArrowDefaultIsUvswapTest} checks that it took effect. Applications do not need this:
 * they pass the factory in the allocator's config.
 */
public final class ArrowSuiteFactoryInstaller implements LauncherSessionListener {

    /** Who serves the suite's faults: a {@link FaultMode} name (default SERVER_THREADS). */
    static final String FAULT_MODE_PROPERTY = "uvswap.arrow.suite.faultMode";

    private static volatile VSwap vswap;
    private static volatile FaultMode faultMode;
    private static volatile UvswapAllocationFactory factory;
    private static volatile Throwable failure;

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        try {
            FaultMode mode = FaultMode.valueOf(System.getProperty(FAULT_MODE_PROPERTY, FaultMode.SERVER_THREADS.name()));
            VSwap v = VSwap.builder().faultMode(mode).faultThreads(1).build();
            MemoryGroup group = v.createGroup("arrow-suite");
            UvswapAllocationFactory f = UvswapAllocationManager.factory(v, group);
            Field cache = DefaultAllocationManagerOption.class.getDeclaredField("DEFAULT_ALLOCATION_MANAGER_FACTORY");
            cache.setAccessible(true);
            cache.set(null, f);
            vswap = v;
            faultMode = mode;
            factory = f;
        } catch (Throwable t) {   // reported by ArrowDefaultIsUvswapTest, which then fails
            failure = t;
        }
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        VSwap v = vswap;
        if (v != null) {
            // What the tests of this JVM allocated through uvswap (the README's suite table cites it).
            System.out.println("uvswap as Arrow's default allocation manager (" + faultMode + "): " + factory.usage());
            v.close();
        }
    }

    /** The factory installed as Arrow's default; throws what went wrong if none is. */
    static UvswapAllocationFactory installedFactory() {
        if (factory == null) {
            throw new IllegalStateException("uvswap is not Arrow's default allocation manager", failure);
        }
        return factory;
    }

    static AllocationManager.Factory arrowDefault() throws ReflectiveOperationException {
        Field cache = DefaultAllocationManagerOption.class.getDeclaredField("DEFAULT_ALLOCATION_MANAGER_FACTORY");
        cache.setAccessible(true);
        return (AllocationManager.Factory) cache.get(null);
    }
}
