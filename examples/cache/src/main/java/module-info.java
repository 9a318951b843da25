/** An off-heap key-value cache on uvswap regions, and its YCSB benchmark. */
module dev.uvswap.cache {
    requires transitive dev.uvswap;
    requires org.jfree.jfreechart;
    requires java.desktop;
    requires HdrHistogram;   // no module name of its own: named after its jar

    exports dev.uvswap.examples.cache;
}
