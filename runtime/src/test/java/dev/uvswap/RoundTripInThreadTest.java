package dev.uvswap;

/** Every {@link RoundTripTest} with its faults served on the faulting thread, in uvswap's SIGBUS handler. */
class RoundTripInThreadTest extends RoundTripTest {
    @Override
    FaultMode mode() {
        return FaultMode.IN_THREAD;
    }
}
