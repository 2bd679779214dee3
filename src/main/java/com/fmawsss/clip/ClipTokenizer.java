package com.fmawsss.clip;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.Arrays;

/**
 * CLIP tokenisation with {@code clip.tokenize(..., truncate=True)} semantics on top of the bundle's
 * BPE tokenizer: {@code [SOT] + tokens + [EOT]}, cut to the context length with EOT kept last,
 * zero-padded.
 */
public final class ClipTokenizer {

    private final HuggingFaceTokenizer tokenizer;
    private final long sot;
    private final long eot;
    private final int contextLength;

    /**
     * Wraps a tokenizer.
     *
     * @param tokenizer the bundle's tokenizer
     * @param sot start-of-text id (49406)
     * @param eot end-of-text id (49407)
     * @param contextLength context length (77)
     */
    public ClipTokenizer(HuggingFaceTokenizer tokenizer, long sot, long eot, int contextLength) {
        this.tokenizer = tokenizer;
        this.sot = sot;
        this.eot = eot;
        this.contextLength = contextLength;
    }

    /**
     * Returns the token ids of a text without start/end tokens.
     *
     * @return the BPE ids
     */
    public long[] encode(String text) {
        if (text.isEmpty()) {
            return new long[0];
        }
        return tokenizer.encode(text, false, false).getIds();
    }

    /**
     * Tokenises a text into a full context.
     *
     * @return ids of length {@link #contextLength()} and the end-of-text position
     */
    public Tokens tokenize(String text) {
        long[] body = encode(text);
        long[] ids = new long[contextLength];
        ids[0] = sot;
        int kept = Math.min(body.length, contextLength - 2);
        System.arraycopy(body, 0, ids, 1, kept);
        ids[kept + 1] = eot;
        return new Tokens(ids, kept + 1);
    }

    public int contextLength() {
        return contextLength;
    }

    /**
     * A tokenised context.
     *
     * @param ids {@code contextLength} ids, zero-padded
     * @param eotPosition index of the end-of-text token (= argmax of the ids)
     */
    public record Tokens(long[] ids, int eotPosition) {
        /** Copies the ids. */
        public Tokens {
            ids = ids.clone();
        }

        @Override
        public long[] ids() {
            return ids.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tokens t && t.eotPosition == eotPosition && Arrays.equals(t.ids, ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids) * 31 + eotPosition;
        }
    }
}
