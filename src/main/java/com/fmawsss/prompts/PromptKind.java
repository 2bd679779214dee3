package com.fmawsss.prompts;

/** What a prompt set was made for; decides the prompt layout and the CAM stream settings. */
public enum PromptKind {
    /** CLIP-ES manual prompts {@code a clean origami {}.}: zero-shot, any class name. */
    MANUAL,
    /** Learned classification prompts: one context shared by all classes, label last. */
    CLASSIFICATION,
    /** Learned segmentation prompts: layout-dependent (see {@link PromptLayout}). */
    SEGMENTATION
}
