package dev.uvswap;

/** Every {@link ThpExtentTest} with its faults served on the faulting thread, in uvswap's SIGBUS handler. */
class ThpExtentInThreadTest extends ThpExtentTest {
    @Override
    FaultMode mode() {
        return FaultMode.IN_THREAD;
    }
}
