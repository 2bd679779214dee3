package com.fmawsss.prompts;

/**
 * Layout of learned segmentation prompts, as in the official FMA-WSSS code.
 *
 * <ul>
 *   <li>{@link #VOC}: class-specific contexts with the label first, {@code SOS name [V]x16 . EOS};
 *       background prompts are pure context {@code SOS [V]x16 . EOS}, one per background name.
 *   <li>{@link #COCO}: one shared context, label last, background prompts with their names; the
 *       fine (segmentation) CAMs skip CAA.
 * </ul>
 * Classification prompts look the same in both layouts.
 */
public enum PromptLayout {
    /** PASCAL VOC layout. */
    VOC,
    /** Official COCO layout. */
    COCO
}
