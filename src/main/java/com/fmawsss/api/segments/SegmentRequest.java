package com.fmawsss.api.segments;

import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.pipeline.AmgChoice;
import com.fmawsss.pipeline.PipelineWork;
import com.fmawsss.sam.SamPrompt;

/**
 * One validated click request.
 *
 * @param selection classes to propose from, or {@code null} for no proposal
 * @param level 0 subpart, 1 part, 2 whole, or {@code null} to decode the prompt
 * @param amg mask-generation settings of the quasi-superpixels a {@code level} snaps to
 * @param candidates whether SAM's three multimask outputs are part of the answer
 */
public record SegmentRequest(DecodedImage image, SamPrompt prompt, PromptSelection selection, Integer level, AmgChoice amg,
        boolean candidates) {

    public PipelineWork.Segment work() {
        return new PipelineWork.Segment(image, prompt, selection, level, amg.settings());
    }
}
