package dev.trident.encoder.batch;

import java.util.UUID;

/** A chunk a worker holds under a lease: items {@code [firstIndex, firstIndex + itemCount)} of a job. */
public record ChunkClaim(UUID jobId, int chunkNo, int firstIndex, int itemCount, BatchTask task, String model,
                         String parametersJson) {
}
