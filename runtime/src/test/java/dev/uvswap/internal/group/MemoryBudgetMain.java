package dev.uvswap.internal.group;

import dev.uvswap.internal.VSwapConfig;

/** Run in a child JVM by {@link MemoryBudgetTest}: prints the defaults as this process sees them. */
public final class MemoryBudgetMain {
    public static void main(String[] args) {
        MemoryBudget b = MemoryBudget.ofThisProcess();
        System.out.println("budget=" + b.bytes() + " heap=" + Runtime.getRuntime().maxMemory() + " pool=" + VSwapConfig.defaultPoolMaxBytes()
                + " zswap=" + VSwapConfig.defaultZswapMaxBytes() + " source=" + b.source());
    }
}
