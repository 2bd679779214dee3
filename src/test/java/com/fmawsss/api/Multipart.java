package com.fmawsss.api;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Minimal multipart/form-data request builder for API tests and the benchmark, over the real HTTP stack. */
public final class Multipart {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String boundary = "----fma" + System.nanoTime();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private Duration timeout = Duration.ofMinutes(3);

    /** Sets the response deadline (default 3 minutes). @param deadline the deadline @return this */
    public Multipart timeout(Duration deadline) {
        this.timeout = deadline;
        return this;
    }

    /** Adds a file part. @param name part name @param filename file name @param contentType its type @param content bytes @return this */
    public Multipart file(String name, String filename, String contentType, byte[] content) {
        write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
                + "\"\r\nContent-Type: " + contentType + "\r\n\r\n");
        body.writeBytes(content);
        write("\r\n");
        return this;
    }

    /** Adds a text field. @param name field name @param value value @return this */
    public Multipart field(String name, String value) {
        write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n");
        return this;
    }

    /** Posts the form. @param port server port @param path request path @param accept Accept header or null @return the response @throws Exception on transport errors */
    public HttpResponse<byte[]> post(int port, String path, String accept) throws Exception {
        return post(port, path, accept, new String[0]);
    }

    /** Posts the form with extra headers. @param port server port @param path request path @param accept Accept header or null @param headers name, value pairs @return the response @throws Exception on transport errors */
    public HttpResponse<byte[]> post(int port, String path, String accept, String... headers) throws Exception {
        write("--" + boundary + "--\r\n");
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(timeout)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        if (accept != null) {
            request.header("Accept", accept);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    public static HttpResponse<byte[]> send(HttpRequest request) throws Exception {
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private void write(String text) {
        body.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }
}
