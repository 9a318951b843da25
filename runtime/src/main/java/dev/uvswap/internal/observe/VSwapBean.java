package dev.uvswap.internal.observe;

import dev.uvswap.FaultKind;
import dev.uvswap.LatencyPercentiles;
import dev.uvswap.ThpFallback;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapStats;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.InvalidAttributeValueException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.ReflectionException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import static java.lang.System.Logger.Level.INFO;

/**
 * A VSwap over JMX, {@code dev.uvswap:type=VSwap,name=NAME}: an attribute for every counter of
 * {@link VSwapStats} (derived from its record components, so a counter added there appears here),
 * per-kind fault counts and latency percentiles ({@code FaultsZswap}, {@code FaultLatencyZswapP99Nanos}),
 * {@code Summary} (the stats as text), and the settable {@code ZswapMaxBytes}. A read takes one
 * stats snapshot per call ({@code getAttributes} shares one).
 */
final class VSwapBean implements DynamicMBean {
    private final VSwap vswap;
    private final Map<String, Attr> attrs = new LinkedHashMap<>();

    private record Attr(String type, String description, Function<VSwapStats, Object> read) { }

    VSwapBean(VSwap vswap) {
        this.vswap = vswap;
        attrs.put("Name", new Attr("java.lang.String", "The VSwap's name", s -> vswap.name()));
        attrs.put("Compressor", new Attr("java.lang.String", "Pool codec", s -> vswap.compressor().name()));
        attrs.put("FaultThreads", new Attr("int", "Native fault-server threads", s -> vswap.faultThreads()));
        attrs.put("Summary", new Attr("java.lang.String", "All counters, as text", VSwapStats::toString));
        attrs.put("CompressionRatio", new Attr("double", "Uncompressed bytes per pool byte",
                VSwapStats::compressionRatio));
        for (RecordComponent c : VSwapStats.class.getRecordComponents()) {
            Class<?> t = c.getType();
            if (t == long.class || t == int.class || t == boolean.class || t == double.class) {
                attrs.put(capitalize(c.getName()), new Attr(t.getName(), "VSwapStats." + c.getName(), s -> get(c, s)));
            }
        }
        for (FaultKind k : FaultKind.values()) {
            String kind = camel(k.name());
            attrs.put("Faults" + kind, new Attr("long", "Faults served of kind " + k, s -> s.faults(k)));
            Map<String, Function<LatencyPercentiles, Long>> pct = new LinkedHashMap<>();
            pct.put("P50", LatencyPercentiles::p50Nanos);
            pct.put("P90", LatencyPercentiles::p90Nanos);
            pct.put("P99", LatencyPercentiles::p99Nanos);
            pct.put("Max", LatencyPercentiles::maxNanos);
            pct.forEach((p, f) -> attrs.put("FaultLatency" + kind + p + "Nanos", new Attr("long",
                    p + " service time of " + k + " faults since start, ns",
                    s -> f.apply(s.faultLatency().getOrDefault(k, LatencyPercentiles.EMPTY)))));
        }
        for (ThpFallback f : ThpFallback.values()) {
            attrs.put("ThpSwpinFallback" + camel(f.name()), new Attr("long", "THP swap-in fallbacks: " + f,
                    s -> s.thpSwpinFallback().getOrDefault(f, 0L)));
        }
    }

    private static Object get(RecordComponent c, VSwapStats s) {
        try {
            return c.getAccessor().invoke(s);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static String capitalize(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** THP_SWAPIN as ThpSwapin. */
    static String camel(String constant) {
        StringBuilder b = new StringBuilder();
        for (String part : constant.toLowerCase(Locale.ROOT).split("_")) {
            b.append(capitalize(part));
        }
        return b.toString();
    }

    @Override
    public Object getAttribute(String name) throws AttributeNotFoundException, MBeanException {
        Attr a = attrs.get(name);
        if (a == null) {
            throw new AttributeNotFoundException(name);
        }
        try {
            return a.read().apply(vswap.stats());
        } catch (IllegalStateException closed) {
            throw new MBeanException(closed, "VSwap closed");
        }
    }

    @Override
    public AttributeList getAttributes(String[] names) {
        AttributeList list = new AttributeList();
        VSwapStats s;
        try {
            s = vswap.stats();
        } catch (IllegalStateException closed) {
            return list;
        }
        for (String n : names) {
            Attr a = attrs.get(n);
            if (a != null) {
                list.add(new Attribute(n, a.read().apply(s)));
            }
        }
        return list;
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException, InvalidAttributeValueException {
        if (!"ZswapMaxBytes".equals(attribute.getName())) {
            throw new AttributeNotFoundException(attribute.getName() + " is not writable (only ZswapMaxBytes)");
        }
        if (!(attribute.getValue() instanceof Long bytes)) {
            throw new InvalidAttributeValueException("ZswapMaxBytes takes a long");
        }
        vswap.setZswapMaxBytes(bytes);
        Observed.LOG.log(INFO, () -> "uvswap " + vswap.name() + ": zswapMaxBytes set to " + Observed.bytes(bytes)
                + " through JMX");
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        AttributeList done = new AttributeList();
        for (Attribute a : attributes.asList()) {
            try {
                setAttribute(a);
                done.add(a);
            } catch (javax.management.JMException | RuntimeException ignored) {
                // JMX reports the ones that were set
            }
        }
        return done;
    }

    @Override
    public Object invoke(String action, Object[] params, String[] signature) throws MBeanException, ReflectionException {
        if ("setZswapWriteback".equals(action) && params != null && params.length == 1 && params[0] instanceof Boolean on) {
            vswap.setZswapWriteback(on);
            Observed.LOG.log(INFO, () -> "uvswap " + vswap.name() + ": zswap writeback " + (on ? "on" : "off")
                    + " through JMX");
            return null;
        }
        throw new ReflectionException(new NoSuchMethodException(action));
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        List<MBeanAttributeInfo> infos = new ArrayList<>();
        attrs.forEach((n, a) -> infos.add(new MBeanAttributeInfo(n, a.type(), a.description(), true,
                n.equals("ZswapMaxBytes"), a.type().equals("boolean"))));
        MBeanOperationInfo writeback = new MBeanOperationInfo("setZswapWriteback",
                "Turns writeback to the swap files on or off",
                new MBeanParameterInfo[] {new MBeanParameterInfo("on", "boolean", "writeback on")},
                "void", MBeanOperationInfo.ACTION);
        return new MBeanInfo(VSwapBean.class.getName(), "A uvswap VSwap: counters and pool limits",
                infos.toArray(MBeanAttributeInfo[]::new), null, new MBeanOperationInfo[] {writeback}, null);
    }
}
