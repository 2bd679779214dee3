package com.fmawsss.tensors;

/** A {@code .npy}, {@code .npz} or safetensors stream is malformed or not acceptable. */
public class TensorFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, phrased for the client that sent the data
     */
    public TensorFormatException(String message) {
        super(message);
    }

    public TensorFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
