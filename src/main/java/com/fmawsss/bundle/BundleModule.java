package com.fmawsss.bundle;

/**
 * The TorchScript modules of a bundle (docs/bundle-format.md), with the file each one is loaded
 * from and whether it must be loaded for autograd.
 */
public enum BundleModule {
    /** CLIP vision trunk up to the input of the last block; also returns mean attention maps. */
    VISION_TRUNK("clip/vision_trunk.pt", false),
    /** CLIP last block + post-LN + projection: the image embedding. */
    IMAGE_HEAD("clip/image_head.pt", false),
    /** Softmax-GradCAM; calls {@code torch.autograd.grad} internally. */
    GRADCAM("clip/gradcam.pt", true),
    /** CLIP text encoder from token embeddings; prompt training back-propagates through it. */
    TEXT_ENCODER("clip/text_encoder.pt", true),
    /** CLIP token-embedding table. */
    TOKEN_EMBEDDING("clip/token_embedding.pt", false),
    /** SAM image encoder. */
    SAM_IMAGE_ENCODER("sam/image_encoder.pt", false),
    /** SAM prompt encoder + mask decoder for a batch of single-point prompts (multimask output + predicted IoU). */
    SAM_MASK_DECODER("sam/mask_decoder.pt", false),
    /**
     * SAM prompt encoder + mask decoder for one interactive prompt of several points and a box (all
     * four mask tokens). Optional: bundles exported before it existed load without it and answer no
     * clicks.
     */
    SAM_PROMPT_DECODER("sam/prompt_decoder.pt", false, false),
    /** SAM's mask post-processing: low-res logits to the image size (bilinear, no antialiasing). */
    SAM_MASK_UPSCALER("sam/mask_upscaler.pt", false);

    private final String path;
    private final boolean autograd;
    private final boolean required;

    BundleModule(String path, boolean autograd) {
        this(path, autograd, true);
    }

    BundleModule(String path, boolean autograd, boolean required) {
        this.path = path;
        this.autograd = autograd;
        this.required = required;
    }

    /**
     * Returns the file of this module.
     *
     * @return path relative to the bundle directory, with {@code /} separators
     */
    public String path() {
        return path;
    }

    /**
     * Tells whether the module must be loaded with DJL's {@code trainParam=true}: without it, DJL
     * loads the weights under {@code InferenceMode}, and autograd then refuses them ("Inference
     * tensors cannot be saved for backward").
     *
     * @return true for modules that differentiate or are differentiated through
     */
    public boolean autograd() {
        return autograd;
    }

    /** Whether every bundle must have it (a module added to the format later is optional). */
    public boolean required() {
        return required;
    }
}
