package dev.uvswap.internal.observe;

import dev.uvswap.MemoryGroup;
import dev.uvswap.VSwap;

import javax.management.InstanceAlreadyExistsException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.WARNING;

/**
 * A VSwap's MBeans in the platform MBean server: {@code dev.uvswap:type=VSwap,name=NAME} and
 * {@code dev.uvswap:type=MemoryGroup,vswap=NAME,name=PATH}. A name already taken (two VSwaps
 * built with the same name) gets a suffix, " (2)", rather than failing the build.
 * {@code -Duvswap.jmx=false} registers none.
 *
 * <p>Registration runs in the background (the common pool), in order: the platform MBean
 * server's first start loads and registers the JVM's own MXBeans, 0.1 s on an idle machine and
 * seconds on a loaded one, and {@code build()} should not wait for that. Removal is synchronous:
 * when close returns the MBeans are gone, and a registration still queued then does nothing.
 */
final class Jmx {
    /** The registrations asked for so far, in order, each after the one before. */
    private static CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    /** Guarded by this: close has begun, register nothing more. */
    private boolean closed;

    static final String DOMAIN = "dev.uvswap";
    private static final boolean ENABLED = !"false".equals(System.getProperty("uvswap.jmx"));

    private final String vswap;
    /** The vswap key as registered: the name, or the name with a suffix if it was taken. */
    private volatile String vswapKey;
    private final List<ObjectName> registered = new CopyOnWriteArrayList<>();

    Jmx(String vswap) {
        this.vswap = vswap;
        this.vswapKey = vswap;
    }

    /** Waits until the registrations asked for so far are done. */
    static void settle() throws InterruptedException, ExecutionException, TimeoutException {
        CompletableFuture<Void> t;
        synchronized (Jmx.class) {
            t = tail;
        }
        t.get(1, TimeUnit.MINUTES);
    }

    /** Runs {@code r} in the background after every registration asked for before it. */
    private void later(Runnable r) {
        Runnable guarded = () -> {
            synchronized (this) {
                if (closed) {
                    return;
                }
                try {
                    r.run();
                } catch (RuntimeException | LinkageError e) {
                    Observed.LOG.log(DEBUG, "uvswap: MBean registration failed", e);
                }
            }
        };
        synchronized (Jmx.class) {
            tail = tail.thenRunAsync(guarded);
        }
    }

    void registerVSwap(VSwap vswapToPublish) {
        if (ENABLED) {
            later(() -> doRegisterVSwap(vswapToPublish));
        }
    }

    private void doRegisterVSwap(VSwap vswapToPublish) {
        ObjectName n = register(new VSwapBean(vswapToPublish), "type=VSwap,name=", vswap);
        if (n != null) {
            String v = n.getKeyProperty("name");
            vswapKey = v.startsWith("\"") ? ObjectName.unquote(v) : v;
        }
    }

    void registerGroup(MemoryGroup g, Predicate<MemoryGroup> held, Predicate<MemoryGroup> stuck) {
        if (ENABLED) {
            later(() -> doRegisterGroup(g, held, stuck));
        }
    }

    private void doRegisterGroup(MemoryGroup g, Predicate<MemoryGroup> held, Predicate<MemoryGroup> stuck) {
        register(new MemoryGroupBean(g, held, stuck), "type=MemoryGroup,vswap=" + quoteIfNeeded(vswapKey) + ",name=",
                Observed.path(g));
    }

    /** Registers under {@code prefix + name}, or name (2), (3)... if taken; null if JMX refused it. */
    private ObjectName register(Object bean, String prefix, String name) {
        MBeanServer server;
        try {
            server = ManagementFactory.getPlatformMBeanServer();
        } catch (RuntimeException | LinkageError e) {
            Observed.LOG.log(DEBUG, "uvswap: no MBeans (no platform MBean server)", e);
            return null;
        }
        for (int i = 1; i < 100; i++) {
            String candidate = i == 1 ? name : name + " (" + i + ")";
            try {
                ObjectName n = new ObjectName(DOMAIN + ":" + prefix + quoteIfNeeded(candidate));
                server.registerMBean(bean, n);
                registered.add(n);
                return n;
            } catch (InstanceAlreadyExistsException taken) {
                // try the next suffix
            } catch (javax.management.JMException | RuntimeException e) {
                Observed.LOG.log(WARNING, () -> "uvswap: could not register the MBean for " + name, e);
                return null;
            }
        }
        return null;
    }

    /** Removes every MBean registered for this VSwap; nothing is registered for it afterwards. */
    synchronized void unregisterAll() {
        closed = true;
        if (registered.isEmpty()) {
            return;
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (ObjectName n : registered) {
            try {
                server.unregisterMBean(n);
            } catch (javax.management.JMException | RuntimeException gone) {
                // someone unregistered it already
            }
        }
        registered.clear();
    }

    /** ObjectName values may not hold , = : " * ? or a newline unquoted. */
    static String quoteIfNeeded(String v) {
        return v.matches("[^,=:\"*?\\n]*") ? v : ObjectName.quote(v);
    }
}
