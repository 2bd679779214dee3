package com.fmawsss.clip;

/**
 * One prompt ready for the text encoder: its token ids and, for learned prompts, where the
 * context vectors go.
 *
 * <p>Learned prompts are tokenised as {@code "X X ... X <text>."} (N placeholders, CoOp style);
 * the placeholder embeddings are replaced by the context (label last: {@code SOS [ctx] text . EOS}),
 * or the label tokens are moved in front of the context (label first: {@code SOS text [ctx] .
 * EOS}).
 *
 * @param tokens the token ids
 * @param context which context tensor to splice in, or null for manual prompts
 * @param contextTokens N
 * @param labelTokens number of tokens of the label text
 * @param labelFirst whether the label precedes the context
 */
public record TextPrompt(
        ClipTokenizer.Tokens tokens, ContextRef context, int contextTokens, int labelTokens, boolean labelFirst) {

    /**
     * Identifies a context tensor of a prompt set.
     *
     * @param tensor tensor name ({@code ctx}, {@code fg_ctx} or {@code bg_ctx})
     * @param index slice along the first axis, or -1 for the shared context
     */
    public record ContextRef(String tensor, int index) {}

    /**
     * Tells whether the prompt has learned context.
     *
     * @return true for learned prompts
     */
    public boolean learned() {
        return context != null;
    }
}
