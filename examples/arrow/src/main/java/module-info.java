/** Arrow's memory on uvswap: an AllocationManager whose buffers live in uvswap regions. */
module dev.uvswap.arrow {
    requires transitive dev.uvswap;
    requires transitive org.apache.arrow.memory.core;
    requires org.apache.arrow.vector;

    exports dev.uvswap.examples.arrow;
}
