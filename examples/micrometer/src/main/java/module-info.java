/** uvswap's counters as Micrometer meters. */
module dev.uvswap.micrometer {
    requires transitive dev.uvswap;
    requires transitive micrometer.core;

    exports dev.uvswap.examples.micrometer;
}
