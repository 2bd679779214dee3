package com.fmawsss.labeling;

import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.SamPrompt;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A segmenter for tests of the integrations' protocol logic, where the model does not matter: the
 * manual VOC prompt set ({@code manual-voc}), model versions {@code stub-<prompt version>}, the
 * default limits, no clicks. Tests say how it segments.
 */
public abstract class StubSegmenter implements Segmenter {

    @Override
    public CompletableFuture<ClickMask> click(DecodedImage image, SamPrompt prompt) {
        throw new UnsupportedOperationException("this stub answers no clicks");
    }

    @Override
    public boolean answersClicks() {
        return false;
    }

    @Override
    public int maxPromptPoints() {
        return 64;
    }

    @Override
    public Optional<DecodedImage> seenImage(String sha256) {
        return Optional.empty();
    }

    @Override
    public PromptSet activePromptSet() {
        return PromptSet.manual(Vocabulary.voc());
    }

    @Override
    public PromptSet promptSet(String version) {
        return "manual-voc".equals(version) ? activePromptSet() : null;
    }

    @Override
    public String modelVersion(String promptVersion) {
        return "stub-" + (promptVersion == null ? activePromptSet().id() : promptVersion);
    }

    @Override
    public int maxClasses() {
        return 20;
    }

    @Override
    public int maxClassNameLength() {
        return 100;
    }

    @Override
    public ImageLimits imageLimits() {
        return ImageLimits.defaults();
    }
}
