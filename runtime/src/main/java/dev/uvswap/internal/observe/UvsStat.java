package dev.uvswap.internal.observe;

import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./uvs stat PID [SECONDS]}: a running JVM's uvswap counters, read from its MBeans. It
 * attaches (the Attach API, as jcmd does: same user, or root), starts the JVM's local JMX agent
 * (jcmd's ManagementAgent.start_local; nothing listens on a port) and prints each VSwap's
 * {@code Summary} and a line per memory group; with SECONDS, then a vmstat-style line per VSwap
 * every SECONDS until it closes or the command is killed: pool size and ratio, swap-in/out and
 * faults per interval by backend, the zswap fault p50/p99 since start, each group's current/max.
 * Uses only the JDK, so the launcher runs it from source with no build.
 */
public final class UvsStat {
    private UvsStat() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2 || !args[0].matches("\\d+")
                || args.length == 2 && !args[1].matches("\\d+")) {
            System.err.println("usage: ./uvs stat PID [SECONDS]   (the JVMs here: "
                    + String.join(", ", VirtualMachine.list().stream().map(UvsStat::describe).toList()) + ")");
            System.exit(2);
        }
        int code = run(args[0], args.length == 2 ? Integer.parseInt(args[1]) : 0, System.out);
        System.exit(code);
    }

    private static String describe(VirtualMachineDescriptor d) {
        String name = d.displayName().isBlank() ? "?" : d.displayName().split(" ")[0];
        return d.id() + " " + name;
    }

    /** Prints once (or every {@code seconds} while it can); 0, or 1 if the JVM has no VSwap. */
    static int run(String pid, int seconds, PrintStream out) throws Exception {
        String address;
        VirtualMachine vm = VirtualMachine.attach(pid);
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
            MBeanServerConnection server = c.getMBeanServerConnection();
            if (!print(server, pid, out)) {
                return 1;
            }
            if (seconds == 0) {
                return 0;
            }
            // Then vmstat's way: a line per interval, rates over the interval, a header every 20 lines.
            Map<ObjectName, long[]> last = new HashMap<>();
            sample(server, last, null);   // the baseline of the first interval
            for (int line = 0; ; line++) {
                Thread.sleep(seconds * 1000L);
                if (line % 20 == 0) {
                    out.printf(Locale.ROOT, "%-8s %-12s %9s %6s %9s %9s %8s %8s %8s %8s %9s %9s  %s%n", "time", "vswap", "pool",
                            "ratio", "si", "so", "zswap", "cache", "file", "first", "zswap-p50", "zswap-p99",
                            "groups (current/max)   [si, so, faults: per interval]");
                }
                if (!sample(server, last, out)) {
                    return 0;   // every VSwap closed
                }
            }
        }
    }

    /** The counters an interval line is made of, in this order. */
    private static final String[] RATES = {"Pswpin", "Pswpout", "FaultsZswap", "FaultsCache", "FaultsFile", "FaultsFirstTouch"};

    /**
     * Reads each VSwap's counters into {@code last} and, unless {@code out} is null, prints a line
     * for each that had a reading before: the counters' change since then. False when none is open.
     */
    private static boolean sample(MBeanServerConnection server, Map<ObjectName, long[]> last, PrintStream out)
            throws Exception {
        List<ObjectName> vswaps = new ArrayList<>(server.queryNames(new ObjectName("dev.uvswap:type=VSwap,*"), null));
        vswaps.sort(null);
        for (ObjectName v : vswaps) {
            long[] now = new long[RATES.length];
            try {
                javax.management.AttributeList got = server.getAttributes(v, RATES);
                for (int i = 0; i < RATES.length; i++) {
                    now[i] = (long) ((javax.management.Attribute) got.get(i)).getValue();
                }
                long[] before = last.put(v, now);
                if (out == null || before == null) {
                    continue;
                }
                long pool = (long) server.getAttribute(v, "PoolTotalBytes");
                double ratio = (double) server.getAttribute(v, "CompressionRatio");
                long p50 = (long) server.getAttribute(v, "FaultLatencyZswapP50Nanos");
                long p99 = (long) server.getAttribute(v, "FaultLatencyZswapP99Nanos");
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-8s %-12s %9s %6.2f",
                        java.time.LocalTime.now().withNano(0), v.getKeyProperty("name"), bytes(pool), ratio));
                for (int i = 0; i < RATES.length; i++) {
                    line.append(String.format(Locale.ROOT, i < 2 ? " %9d" : " %8d", now[i] - before[i]));
                }
                line.append(String.format(Locale.ROOT, " %9s %9s  %s", micros(p50), micros(p99), groups(server, v)));
                out.println(line);
            } catch (javax.management.JMException closed) {
                last.remove(v);   // closed meanwhile
            }
        }
        return !vswaps.isEmpty();
    }

    private static String groups(MBeanServerConnection server, ObjectName vswap) throws Exception {
        List<ObjectName> groups = new ArrayList<>(server.queryNames(
                new ObjectName("dev.uvswap:type=MemoryGroup,vswap=" + vswap.getKeyProperty("name") + ",*"), null));
        groups.sort((a, b) -> a.getKeyProperty("name").compareTo(b.getKeyProperty("name")));
        StringBuilder b = new StringBuilder();
        for (ObjectName g : groups) {
            b.append(b.isEmpty() ? "" : ", ").append(server.getAttribute(g, "Path")).append(' ')
                    .append(bytes((long) server.getAttribute(g, "MemoryCurrent"))).append('/')
                    .append(bytes((long) server.getAttribute(g, "MemoryMax")));
        }
        return b.toString();
    }

    /** Since start, cumulative: "7.4us". */
    private static String micros(long nanos) {
        return nanos >= 10_000_000 ? String.format(Locale.ROOT, "%.0fms", nanos / 1e6)
                : String.format(Locale.ROOT, "%.1fus", nanos / 1e3);
    }

    private static boolean print(MBeanServerConnection server, String pid, PrintStream out) throws Exception {
        List<ObjectName> vswaps = new ArrayList<>(server.queryNames(new ObjectName("dev.uvswap:type=VSwap,*"), null));
        if (vswaps.isEmpty()) {
            out.println("JVM " + pid + " has no open uvswap VSwap (none built yet, all closed, or -Duvswap.jmx=false)");
            return false;
        }
        vswaps.sort(null);
        for (ObjectName v : vswaps) {
            String key = v.getKeyProperty("name");
            out.println("== VSwap " + (key.startsWith("\"") ? ObjectName.unquote(key) : key) + " (JVM " + pid + ")");
            try {
                out.print(server.getAttribute(v, "Summary"));
            } catch (javax.management.JMException closed) {
                out.println("  (closed meanwhile)");
                continue;
            }
            List<ObjectName> groups = new ArrayList<>(server.queryNames(
                    new ObjectName("dev.uvswap:type=MemoryGroup,vswap=" + key + ",*"), null));
            if (groups.isEmpty()) {
                continue;
            }
            groups.sort((a, b) -> a.getKeyProperty("name").compareTo(b.getKeyProperty("name")));
            out.printf(Locale.ROOT, "  %-14s %-20s %10s %10s %10s %10s %10s %8s %7s %7s %7s %s%n", "groups", "path",
                    "memory", "high", "max", "zswap", "swap", "pressure", "over-h", "over-m", "fails", "state");
            for (ObjectName g : groups) {
                try {
                    out.printf(Locale.ROOT, "  %-14s %-20s %10s %10s %10s %10s %10s %7.2f%% %7d %7d %7d %s%n", "",
                            server.getAttribute(g, "Path"),
                            bytes((long) server.getAttribute(g, "MemoryCurrent")),
                            bytes((long) server.getAttribute(g, "MemoryHigh")),
                            bytes((long) server.getAttribute(g, "MemoryMax")),
                            bytes((long) server.getAttribute(g, "ZswapCurrent")),
                            bytes((long) server.getAttribute(g, "SwapCurrent")),
                            100 * (double) server.getAttribute(g, "FaultPressure"),
                            (long) server.getAttribute(g, "HighEvents"),
                            (long) server.getAttribute(g, "MaxEvents"),
                            (long) server.getAttribute(g, "ReclaimFailures"),
                            (boolean) server.getAttribute(g, "ReclaimStuck") ? "STUCK"
                                    : (boolean) server.getAttribute(g, "Held") ? "held" : "ok");
                } catch (javax.management.JMException closed) {
                    // the VSwap closed while we read its groups
                }
            }
        }
        return true;
    }

    private static String bytes(long n) {
        if (n == Long.MAX_VALUE) {
            return "max";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
