package com.fmawsss.batch;

import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecodeException;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.bulkseeding.SeedOutputs;
import com.fmawsss.datasets.TrainingSample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads and decodes the images of a shard in order, up to {@code depth} images ahead of the
 * consumer on one background thread, so decoding the next image overlaps the model work on the
 * current one. With depth 0 every image is decoded in line when it is asked for. An image that
 * cannot be read or decoded becomes a {@link Decoded} with a failure reason, never an exception.
 */
final class ImagePrefetcher implements AutoCloseable {

    /**
     * One sample with its image or the reason it has none.
     *
     * @param image the decoded image, null on failure
     * @param failure why the image is unusable, null on success
     */
    record Decoded(TrainingSample sample, DecodedImage image, String failure) {}

    /** Marks the end of the queue; never handed out. */
    private static final Decoded END = new Decoded(null, null, null);

    private final Iterator<TrainingSample> samples;
    private final ImageDecoder decoder;
    private final BlockingQueue<Object> queue;
    private final Thread worker;

    ImagePrefetcher(List<TrainingSample> samples, ImageDecoder decoder, int depth) {
        this.samples = samples.iterator();
        this.decoder = decoder;
        if (depth > 0) {
            this.queue = new ArrayBlockingQueue<>(depth);
            this.worker = Thread.ofPlatform().daemon().name("seed-prefetch").start(this::fill);
        } else {
            this.queue = null;
            this.worker = null;
        }
    }

    /** The next sample, or null after the last one. */
    Decoded next() throws InterruptedException {
        if (queue == null) {
            return samples.hasNext() ? decode(samples.next()) : null;
        }
        Object item = queue.take();
        if (item == END) {
            queue.put(END); // later calls see the end too
            return null;
        }
        if (item instanceof Error error) {
            throw error; // e.g. OutOfMemoryError on the worker: the process must stop
        }
        return (Decoded) item;
    }

    private void fill() {
        try {
            while (samples.hasNext()) {
                queue.put(decode(samples.next()));
            }
            queue.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Error e) {
            queue.clear();
            queue.offer(e);
        }
    }

    private Decoded decode(TrainingSample sample) {
        if (!SeedOutputs.isSafeId(sample.id())) {
            return new Decoded(sample, null, "id cannot name an output file (letters, digits and . _ + - only,"
                    + " not starting with a dot, at most 200 characters)");
        }
        try {
            return new Decoded(sample, decoder.decode(Files.readAllBytes(sample.image()), ImageLimits.defaults()), null);
        } catch (NoSuchFileException e) {
            return new Decoded(sample, null, "missing image: " + sample.image());
        } catch (IOException e) {
            return new Decoded(sample, null, "unreadable image: " + sample.image() + ": " + e);
        } catch (ImageDecodeException e) {
            return new Decoded(sample, null, "undecodable image: " + sample.image() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            // Not expected from the decoder; still this image's problem, and the worker must live on.
            return new Decoded(sample, null, "undecodable image: " + sample.image() + ": " + e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (worker != null) {
            worker.interrupt();
            worker.join();
        }
    }
}
