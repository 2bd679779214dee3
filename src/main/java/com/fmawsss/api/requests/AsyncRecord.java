package com.fmawsss.api.requests;

import java.time.Instant;

/**
 * The durable record of one asynchronous request ({@code <id>.json}).
 *
 * @param problemStatus HTTP status of the stored problem when it failed
 * @param resultBytes size of the stored result files
 */
record AsyncRecord(String id, String endpoint, AsyncState state, Instant createdAt, Instant finishedAt, String amg,
        Double estimatedSeconds, Integer problemStatus, String error, String promptSet, String classTable,
        long resultBytes) {

    AsyncRecord finish(AsyncState newState, Instant at, Integer status, String detail, String prompts, String table,
            long bytes) {
        return new AsyncRecord(id, endpoint, newState, createdAt, at, amg, estimatedSeconds, status, detail, prompts, table,
                bytes);
    }
}
