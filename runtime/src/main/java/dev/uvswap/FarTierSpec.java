package dev.uvswap;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A far tier on a Redis server, for {@link VSwap#addFarTier}: where pages go when the pool is
 * over its limit and no swap file has room.
 *
 * <p>The server must not evict keys: uvswap refuses one whose {@code maxmemory-policy} is
 * {@code allkeys-*}. Pages in the tier are as durable as the server: with persistence off a
 * server restart loses them (a page whose read fails is never mapped with wrong bytes, and its
 * access fails as after a disk error); with {@code appendonly yes} and
 * {@code appendfsync always}, every page the server acknowledged survives a crash.
 *
 * @param host     the server's name or address
 * @param port     its port
 * @param maxBytes the most stored bytes the tier may hold
 * @param timeout  each network operation's limit, writes and fault-path reads alike
 * @param events   what the tier reports (null: nothing)
 * @param user     the ACL user for {@code AUTH} (null: the default user)
 * @param password the password for {@code AUTH} (null: no AUTH); never printed
 */
public record FarTierSpec(String host, int port, long maxBytes, Duration timeout, Consumer<FarTierEvent> events,
                          String user, String password) {

    public FarTierSpec {
        if (user != null && password == null) {
            throw new IllegalArgumentException("an AUTH user needs a password");
        }
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(timeout, "timeout");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        }
        if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("timeout out of range: " + timeout);
        }
    }

    /** A tier of at most {@code maxBytes} on {@code host:port}, 2 s timeout, no listener. */
    public static FarTierSpec redis(String host, int port, long maxBytes) {
        return new FarTierSpec(host, port, maxBytes, Duration.ofSeconds(2), null, null, null);
    }

    public FarTierSpec withEvents(Consumer<FarTierEvent> listener) {
        return new FarTierSpec(host, port, maxBytes, timeout, listener, user, password);
    }

    public FarTierSpec withTimeout(Duration t) {
        return new FarTierSpec(host, port, maxBytes, t, events, user, password);
    }

    /** {@code AUTH password} on every connection, uvswap's own and the fault path's (requirepass). */
    public FarTierSpec withPassword(String pass) {
        return new FarTierSpec(host, port, maxBytes, timeout, events, null, Objects.requireNonNull(pass, "password"));
    }

    /** {@code AUTH user password} on every connection (an ACL user). */
    public FarTierSpec withAuth(String aclUser, String pass) {
        return new FarTierSpec(host, port, maxBytes, timeout, events, Objects.requireNonNull(aclUser, "user"),
                Objects.requireNonNull(pass, "password"));
    }

    @Override
    public String toString() {
        return "FarTierSpec[redis://" + host + ":" + port + ", maxBytes=" + maxBytes + ", timeout=" + timeout
                + (password == null ? "" : ", auth=" + (user == null ? "password" : user + ":***")) + "]";
    }
}
