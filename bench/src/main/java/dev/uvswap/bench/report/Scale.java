package dev.uvswap.bench.report;

import java.util.ArrayList;
import java.util.List;

/** Maps data values to a 0..1 fraction of an axis and says where its ticks go. */
sealed interface Scale {
    /** @param major major ticks are labelled and gridded darker; minor ones only get a faint line */
    record Tick(double value, String label, boolean major) {}

    double fraction(double v);

    List<Tick> ticks();

    /** 0 to a round number a little above the data, so bars and their labels fit. */
    record Linear(double max, double step) implements Scale {
        static Linear covering(double dataMax) {
            double top = dataMax > 0 && Double.isFinite(dataMax) ? dataMax * 1.1 : 1;
            double raw = top / 6;
            double mag = Math.pow(10, Math.floor(Math.log10(raw)));
            double step = mag;
            for (double m : new double[] {1, 2, 2.5, 5, 10}) {
                if (m * mag >= raw) {
                    step = m * mag;
                    break;
                }
            }
            return new Linear(Math.ceil(top / step) * step, step);
        }

        @Override
        public double fraction(double v) {
            return v / max;
        }

        @Override
        public List<Tick> ticks() {
            List<Tick> out = new ArrayList<>();
            for (int i = 0; i * step <= max * (1 + 1e-9); i++) {
                out.add(new Tick(i * step, Fmt.tick(i * step), true));
            }
            return out;
        }
    }

    /** Whole decades around the data; latencies span several, so a linear axis would hide the median. */
    record Log(int loExp, int hiExp) implements Scale {
        static Log covering(double min, double max) {
            int lo = (int) Math.floor(Math.log10(min));
            int hi = (int) Math.ceil(Math.log10(max));
            return new Log(lo, Math.max(hi, lo + 1));
        }

        @Override
        public double fraction(double v) {
            return (Math.log10(v) - loExp) / (hiExp - loExp);
        }

        @Override
        public List<Tick> ticks() {
            // Few decades leave room to label 2 and 5 as well; many would crowd them.
            boolean labelTwoFive = hiExp - loExp <= 3;
            List<Tick> out = new ArrayList<>();
            for (int e = loExp; e <= hiExp; e++) {
                double decade = Math.pow(10, e);
                out.add(new Tick(decade, Fmt.tick(decade), true));
                if (e == hiExp) {
                    break;
                }
                for (int m = 2; m <= 9; m++) {
                    boolean labelled = labelTwoFive && (m == 2 || m == 5);
                    out.add(new Tick(m * decade, labelled ? Fmt.tick(m * decade) : "", labelled));
                }
            }
            return out;
        }
    }

    /**
     * Percentiles by their number of nines, -log10(1 - p): p0 at 0, p90 at 1, p99 at 2, so the
     * tail gets as much room as the body.
     */
    record Nines(List<Double> percentiles) implements Scale {
        static double nines(double percent) {
            return -Math.log10(1 - percent / 100);
        }

        @Override
        public double fraction(double percent) {
            return nines(percent) / nines(percentiles.getLast());
        }

        @Override
        public List<Tick> ticks() {
            return percentiles.stream().map(p -> new Tick(p, p == 0 ? "min" : Fmt.percentile(p), true)).toList();
        }
    }
}
