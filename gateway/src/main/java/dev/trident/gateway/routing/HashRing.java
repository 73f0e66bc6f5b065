package dev.trident.gateway.routing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A consistent-hash ring over a fixed list of members, each placed at {@code virtualNodes} points. A key belongs
 * to the first member clockwise from its hash; {@link #walk} gives every member in ring order from there, so that
 * a caller can skip the ones that are down and the key falls to the next one on the ring. Adding or removing one of
 * N members moves only the keys between its points and their predecessors: about 1/N of them.
 * Immutable: a new replica list builds a new ring.
 */
public final class HashRing {

    private final int members;
    private final long[] points;
    private final int[] owners;

    /** @param memberIds stable names of the members (their URLs): the same name always lands on the same points */
    public HashRing(List<String> memberIds, int virtualNodes) {
        if (virtualNodes < 1) {
            throw new IllegalArgumentException("virtualNodes must be >= 1, got " + virtualNodes);
        }
        this.members = memberIds.size();
        int total = members * virtualNodes;
        long[] hashes = new long[total];
        int[] owner = new int[total];
        int n = 0;
        for (int member = 0; member < members; member++) {
            for (int v = 0; v < virtualNodes; v++) {
                hashes[n] = hash(memberIds.get(member) + "#" + v);
                owner[n] = member;
                n++;
            }
        }
        // Sort the points, carrying their owners along (ties, practically absent, break by member index).
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int byHash = Long.compareUnsigned(hashes[a], hashes[b]);
            return byHash != 0 ? byHash : Integer.compare(owner[a], owner[b]);
        });
        this.points = new long[total];
        this.owners = new int[total];
        for (int i = 0; i < total; i++) {
            points[i] = hashes[order[i]];
            owners[i] = owner[order[i]];
        }
    }

    public int size() {
        return members;
    }

    /** The member that owns {@code key}; -1 for an empty ring. */
    public int owner(String key) {
        return members == 0 ? -1 : owners[firstPointAtOrAfter(hash(key))];
    }

    /** Every member once, in ring order starting at the owner of {@code key}. */
    public int[] walk(String key) {
        int[] order = new int[members];
        if (members == 0) {
            return order;
        }
        boolean[] seen = new boolean[members];
        int found = 0;
        int start = firstPointAtOrAfter(hash(key));
        for (int i = 0; i < points.length && found < members; i++) {
            int member = owners[(start + i) % points.length];
            if (!seen[member]) {
                seen[member] = true;
                order[found++] = member;
            }
        }
        return order;
    }

    private int firstPointAtOrAfter(long hash) {
        int low = 0;
        int high = points.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(points[mid], hash) < 0) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low == points.length ? 0 : low;
    }

    /** 64-bit FNV-1a of the UTF-8 bytes, then a murmur3 finalizer so that similar ids spread over the ring. */
    static long hash(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
