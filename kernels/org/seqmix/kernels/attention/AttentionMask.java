package org.seqmix.kernels.attention;

/**
 * Which keys a query sees, with queries and keys on the same token positions.
 *
 * <ul>
 *   <li>full (non-causal): every key;</li>
 *   <li>causal: key j when {@code j <= i};</li>
 *   <li>sliding window with sinks: key j when {@code j <= i} and ({@code i - j < windowSize} or {@code j < numSinkTokens}).</li>
 * </ul>
 *
 * {@code windowSize == NO_WINDOW} means no window; sinks only matter with a window.
 */
public record AttentionMask(boolean causal, int windowSize, int numSinkTokens) {
    public static final int NO_WINDOW = Integer.MAX_VALUE;
    public static final AttentionMask FULL = new AttentionMask(false, NO_WINDOW, 0);
    public static final AttentionMask CAUSAL = new AttentionMask(true, NO_WINDOW, 0);

    public AttentionMask {
        if (windowSize <= 0) throw new IllegalArgumentException("window_size: expected > 0, got " + windowSize);
        if (numSinkTokens < 0) throw new IllegalArgumentException("num_sink_tokens: expected >= 0, got " + numSinkTokens);
        if (!causal && windowSize != NO_WINDOW) {
            throw new IllegalArgumentException("window_size: a sliding window needs causal=true, got causal=false, window_size=" + windowSize);
        }
    }

    /** Causal sliding window of {@code windowSize} keys (the query's own included) plus {@code numSinkTokens} first keys. */
    public static AttentionMask sliding(int windowSize, int numSinkTokens) {
        return new AttentionMask(true, windowSize, numSinkTokens);
    }

    /** From the conformance/fla parameters; {@code windowSize == null} means no window. */
    public static AttentionMask of(boolean causal, Integer windowSize, int numSinkTokens) {
        return new AttentionMask(causal, windowSize == null ? NO_WINDOW : windowSize, numSinkTokens);
    }

    public boolean hasWindow() {
        return windowSize != NO_WINDOW;
    }

    public boolean visible(int i, int j) {
        if (!causal) return true;
        if (j > i) return false;
        return !hasWindow() || i - j < windowSize || j < numSinkTokens;
    }

    /** True when some query in [i0, i1) sees some key in [j0, j1) (both ranges non-empty): lets tiled kernels skip tiles. */
    public boolean anyVisible(int i0, int i1, int j0, int j1) {
        if (!causal) return true;
        if (j0 > i1 - 1) return false;
        if (!hasWindow()) return true;
        // the window of the last query reaches back to i1 - windowSize; sinks are keys < numSinkTokens
        return (long) j1 - 1 > (long) i0 - windowSize || j0 < numSinkTokens;
    }

    /** True when every query in [i0, i1) sees every key in [j0, j1): such tiles need no per-element mask. */
    public boolean allVisible(int i0, int i1, int j0, int j1) {
        if (!causal) return true;
        if (j1 - 1 > i0) return false;
        return !hasWindow() || (long) i1 - 1 - j0 < windowSize || j1 - 1 < numSinkTokens;
    }

    /** First key visible through the window for query i (sinks aside). */
    int windowStart(int i) {
        return hasWindow() ? Math.max(0, i - windowSize + 1) : 0;
    }
}
