package com.fmawsss.labeling.labelstudio;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Label Studio stand-in on 127.0.0.1, built from the published API: it serves uploads and local
 * files only with {@code Authorization: Token <key>}, redirects the task presign endpoint to a
 * second "cloud storage" server reached as {@code localhost}, lists a project's tasks page by
 * page ({@code /api/tasks/?project=&page=&page_size=}, 404 past the last page, as Django REST
 * pagination does) and stores the predictions posted to {@code /api/predictions/}. Every request
 * is recorded with its {@code Authorization} header.
 */
public final class FakeLabelStudio implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * A recorded request.
     *
     * @param server {@code ls} or {@code storage}
     * @param method HTTP method
     * @param path path and query
     * @param authorization the header, or null
     */
    public record Seen(String server, String method, String path, String authorization) {}

    private final String key;
    private final HttpServer ls;
    private final HttpServer storage;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Map<String, byte[]> buckets = new ConcurrentHashMap<>();
    private final Map<Long, String> labelConfigs = new ConcurrentHashMap<>();
    private final Map<Long, List<ObjectNode>> tasks = new ConcurrentHashMap<>();
    private final List<ObjectNode> predictions = new CopyOnWriteArrayList<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newCachedThreadPool();
    private volatile int failPredictionPosts;

    /**
     * Starts both servers.
     *
     * @param key the API key (legacy token)
     * @return the fake
     * @throws IOException when a socket cannot be bound
     */
    public static FakeLabelStudio start(String key) throws IOException {
        return new FakeLabelStudio(key);
    }

    private FakeLabelStudio(String key) throws IOException {
        this.key = key;
        ls = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        storage = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // Handlers run on their own threads, so a slow answer does not hold the others up.
        ls.setExecutor(executor);
        storage.setExecutor(executor);
        ls.createContext("/", this::handleLabelStudio);
        storage.createContext("/", this::handleStorage);
        ls.start();
        storage.start();
    }

    /**
     * The base URL ({@code http://127.0.0.1:<port>}).
     *
     * @return the URL
     */
    public String url() {
        return "http://127.0.0.1:" + ls.getAddress().getPort();
    }

    /**
     * Adds a file Label Studio serves under {@code /data/...} (uploads, local files), with the token.
     *
     * @param pathAndQuery e.g. {@code /data/upload/1/a.png} or {@code /data/local-files/?d=img/a.png}
     * @param bytes the content
     */
    public void file(String pathAndQuery, byte[] bytes) {
        files.put(pathAndQuery, bytes);
    }

    /**
     * Adds an object of the cloud storage, e.g. {@code s3://bucket/a.png}.
     *
     * @param uri the cloud URI
     * @param bytes the content
     */
    public void cloud(String uri, byte[] bytes) {
        buckets.put(uri, bytes);
    }

    /**
     * Adds a project.
     *
     * @param id project id
     * @param labelConfig its label config
     */
    public void project(long id, String labelConfig) {
        labelConfigs.put(id, labelConfig);
        tasks.putIfAbsent(id, new CopyOnWriteArrayList<>());
    }

    /**
     * Adds a task to a project.
     *
     * @param project the project
     * @param id task id
     * @param data task data
     * @param predictionVersions model versions of predictions it already has
     */
    public void task(long project, long id, Map<String, String> data, String... predictionVersions) {
        ObjectNode task = JSON.createObjectNode();
        task.put("id", id);
        task.put("project", project);
        ObjectNode d = task.putObject("data");
        data.forEach(d::put);
        ArrayNode list = task.putArray("predictions");
        for (String version : predictionVersions) {
            list.addObject().put("model_version", version).put("task", id);
        }
        tasks.get(project).add(task);
    }

    /**
     * Makes the next prediction posts fail with 503.
     *
     * @param count how many
     */
    public void failNextPredictionPosts(int count) {
        failPredictionPosts = count;
    }

    /**
     * The predictions posted so far.
     *
     * @return the bodies
     */
    public List<ObjectNode> predictions() {
        return Collections.unmodifiableList(predictions);
    }

    /**
     * The requests received so far.
     *
     * @return the requests
     */
    public List<Seen> seen() {
        return new ArrayList<>(seen);
    }

    @Override
    public void close() {
        ls.stop(0);
        storage.stop(0);
        executor.shutdownNow();
    }

    private void handleLabelStudio(HttpExchange e) throws IOException {
        String path = e.getRequestURI().getRawPath();
        String query = e.getRequestURI().getRawQuery();
        String pathAndQuery = query == null ? path : path + "?" + query;
        String auth = e.getRequestHeaders().getFirst("Authorization");
        seen.add(new Seen("ls", e.getRequestMethod(), URLDecoder.decode(pathAndQuery, StandardCharsets.UTF_8), auth));
        if (path.equals("/redirect-away")) {
            redirect(e, "http://169.254.169.254/latest/meta-data/");
            return;
        }
        if (!("Token " + key).equals(auth)) {
            send(e, 401, "application/json", "{\"detail\":\"Authentication credentials were not provided.\"}".getBytes());
            return;
        }
        if (path.equals("/slow.png")) {
            sleep(4000);
            send(e, 200, "image/png", new byte[10]);
            return;
        }
        if (path.equals("/huge.png")) {
            send(e, 200, "image/png", new byte[300_000]);
            return;
        }
        if (path.startsWith("/data/")) {
            byte[] file = files.get(URLDecoder.decode(pathAndQuery, StandardCharsets.UTF_8));
            send(e, file == null ? 404 : 200, "image/png", file == null ? new byte[0] : file);
            return;
        }
        if (path.matches("/tasks/\\d+/presign/")) {
            String fileuri = new String(Base64.getUrlDecoder().decode(query.substring("fileuri=".length())), StandardCharsets.UTF_8);
            if (fileuri.startsWith("s3://evil/")) {
                redirect(e, "http://169.254.169.254/latest/meta-data/iam/");
            } else {
                URI object = URI.create(fileuri);
                redirect(e, "http://localhost:" + storage.getAddress().getPort() + "/" + object.getHost() + object.getPath()
                        + "?X-Amz-Signature=signed");
            }
            return;
        }
        if (path.matches("/api/projects/\\d+/")) {
            long id = Long.parseLong(path.split("/")[3]);
            String config = labelConfigs.get(id);
            if (config == null) {
                send(e, 404, "application/json", "{}".getBytes());
                return;
            }
            ObjectNode project = JSON.createObjectNode().put("id", id).put("label_config", config);
            send(e, 200, "application/json", JSON.writeValueAsBytes(project));
            return;
        }
        if (path.equals("/api/tasks/")) {
            Map<String, String> params = params(query);
            long project = Long.parseLong(params.get("project"));
            int page = Integer.parseInt(params.getOrDefault("page", "1"));
            int size = Integer.parseInt(params.getOrDefault("page_size", "100"));
            List<ObjectNode> all = tasks.getOrDefault(project, List.of());
            int from = (page - 1) * size;
            if (from >= all.size() && page > 1) {
                send(e, 404, "application/json", "{\"detail\":\"Invalid page.\"}".getBytes());
                return;
            }
            ObjectNode body = JSON.createObjectNode();
            ArrayNode list = body.putArray("tasks");
            all.subList(Math.min(from, all.size()), Math.min(from + size, all.size())).forEach(list::add);
            body.put("total", all.size());
            send(e, 200, "application/json", JSON.writeValueAsBytes(body));
            return;
        }
        if (path.equals("/api/predictions/") && e.getRequestMethod().equals("POST")) {
            if (failPredictionPosts > 0) {
                failPredictionPosts--;
                send(e, 503, "application/json", "{}".getBytes());
                return;
            }
            ObjectNode prediction = (ObjectNode) JSON.readTree(e.getRequestBody().readAllBytes());
            predictions.add(prediction);
            long taskId = prediction.path("task").asLong();
            for (List<ObjectNode> projectTasks : tasks.values()) {
                for (ObjectNode task : projectTasks) {
                    if (task.path("id").asLong() == taskId) {
                        ((ArrayNode) task.get("predictions")).addObject()
                                .put("model_version", prediction.path("model_version").asString()).put("task", taskId);
                    }
                }
            }
            send(e, 201, "application/json", JSON.writeValueAsBytes(prediction));
            return;
        }
        send(e, 404, "application/json", "{}".getBytes());
    }

    private void handleStorage(HttpExchange e) throws IOException {
        String path = e.getRequestURI().getPath();
        seen.add(new Seen("storage", e.getRequestMethod(), e.getRequestURI().toString(), e.getRequestHeaders().getFirst("Authorization")));
        String uri = "s3:/" + path;
        byte[] object = buckets.get(uri);
        send(e, object == null ? 404 : 200, "image/png", object == null ? new byte[0] : object);
    }

    private static Map<String, String> params(String query) {
        Map<String, String> params = new LinkedHashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                params.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return params;
    }

    private static void redirect(HttpExchange e, String location) throws IOException {
        e.getResponseHeaders().add("Location", location);
        e.sendResponseHeaders(302, -1);
        e.close();
    }

    private static void send(HttpExchange e, int status, String type, byte[] body) throws IOException {
        e.getResponseHeaders().add("Content-Type", type);
        e.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = e.getResponseBody()) {
            out.write(body);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }
}
