package org.seqmix.layers;

import java.util.Map;
import java.util.Set;

/** Reading mamba_ssm constructor arguments from a case's {@code config} map, rejecting what we do not honour. */
final class MambaConfigs {
    private MambaConfigs() {}

    static void onlyKnown(String layer, Map<String, Object> m, Set<String> known) {
        for (String k : m.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException(layer + " config: unsupported key '" + k + "' (supported: " + known + ")");
            }
        }
    }

    static int integer(Map<String, Object> m, String key, int dflt) {
        Object o = m.get(key);
        if (o == null) return dflt;
        if (!(o instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new IllegalArgumentException("config " + key + ": expected an integer, got " + o);
        }
        return n.intValue();
    }

    static boolean bool(Map<String, Object> m, String key, boolean dflt) {
        Object o = m.get(key);
        if (o == null) return dflt;
        if (!(o instanceof Boolean b)) throw new IllegalArgumentException("config " + key + ": expected true or false, got " + o);
        return b;
    }

    /** The activation must be mamba_ssm's default SiLU. */
    static void siluActivation(Map<String, Object> m) {
        Object o = m.get("activation");
        if (o != null && !o.equals("silu") && !o.equals("swish")) {
            throw new IllegalArgumentException("config activation: only \"silu\"/\"swish\" is supported, got " + o);
        }
    }
}
