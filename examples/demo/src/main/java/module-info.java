/** The demo: a region twice the memory it may keep, written, swapped out and read back. */
module dev.uvswap.demo {
    requires dev.uvswap;
    requires java.management;   // OwnCgroup reads the JVM's arguments
}
