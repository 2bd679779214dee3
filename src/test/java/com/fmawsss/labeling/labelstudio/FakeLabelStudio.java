package com.fmawsss.labeling.labelstudio;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Label Studio stand-in on 127.0.0.1 that behaves as Label Studio's own code does (HumanSignal/label-studio,
 * release 1.22; each behaviour below names the upstream file it follows), plus a second server on
 * {@code localhost} standing for the cloud storage that presigned URLs point at.
 *
 * <ul>
 *   <li>Authentication ({@code label_studio/jwt_auth/}, {@code core/utils/common.py::custom_exception_handler}):
 *       a legacy token as {@code Authorization: Token <key>}; personal access tokens (JWTs with {@code
 *       token_type: refresh}) exchanged at {@code POST /api/token/refresh/} ({@code {"refresh": pat}} →
 *       {@code {"access": jwt}}, 5-minute access tokens: simplejwt's default lifetime) and sent as {@code
 *       Bearer <access>}; an expired or unknown token, or the PAT itself as Bearer, is a 401 with Label
 *       Studio's error body.
 *   <li>The task list ({@code data_manager/api.py::TaskListAPI}, {@code data_manager/serializers.py::
 *       DataManagerTaskSerializer}, {@code tasks/serializers.py::BaseTaskSerializer.to_representation}):
 *       {@code project} or {@code view} required (404 otherwise), pages of {@code page_size} (default 100)
 *       in an object {@code {"total_annotations", "total_predictions", "total", "tasks"}}, 404 {@code
 *       "Invalid page."} past the end; {@code predictions} and {@code annotations} only with {@code
 *       fields=all}; every task carries {@code total_predictions}; {@code resolve_uri} (default true)
 *       rewrites cloud URIs of a connected storage's bucket to {@code {HOSTNAME}/tasks/<id>/resolve/?fileuri=
 *       <urlsafe base64 with padding>} ({@code io_storages/base_models.py::ImportStorage.resolve_uri}) and,
 *       with cloud-backed uploads, upload keys to {@code {HOSTNAME}/storage-data/uploaded/?filepath=...}
 *       ({@code core/storage.py::StorageProxyMixin}).
 *   <li>"Retrieve predictions automatically" ({@code data_manager/api.py}, {@code ml/models.py::
 *       MLBackend.predict_tasks}, {@code ml/api_connector.py}): before answering a page, the page's tasks
 *       without any prediction are sent to the connected ML backend, synchronously: {@code GET /health}
 *       (1 s), {@code POST /setup} (3 s), then one {@code POST /predict} with all of them (100 s read
 *       timeout), data unresolved; the answer's results are stored as predictions, failures swallowed.
 *   <li>{@code /tasks/<id>/resolve/} and {@code /tasks/<id>/presign/} ({@code io_storages/urls.py},
 *       {@code io_storages/proxy_api.py}): the fileuri decoded as URL-safe base64 (else unquoted), 404 when
 *       no storage of the task's project holds it; 303 to the storage for presigning storages, the bytes
 *       proxied otherwise.
 *   <li>Uploads ({@code data_import/api.py::DownloadStorageData, UploadedFileResponse}): {@code
 *       /data/upload/<path>} from the storage; {@code /storage-data/uploaded/?filepath=} as deployed:
 *       local file storage fails there (500: the file system storage has no proxy URL), cloud-backed
 *       storage behind no nginx answers an empty 200 with {@code X-Accel-Redirect}, cloud-backed storage
 *       with {@code USE_NGINX_FOR_UPLOADS=false} serves the bytes; a missing {@code filepath} is 404, an
 *       unknown file 403.
 *   <li>Predictions ({@code tasks/api.py::PredictionAPI}): {@code POST /api/predictions/} (201), {@code GET
 *       /api/predictions/?task=} (a list).
 *   <li>Interactive pre-annotations ({@link #interactiveAnnotating}): the smart tools' request to the
 *       ML backend and what the browser gets back.
 * </ul>
 *
 * Every request is recorded with its {@code Authorization} header. A few routes are not Label
 * Studio's and exist to exercise the guard: {@code /redirect-away}, {@code /slow.png}, {@code /huge.png}.
 */
public final class FakeLabelStudio implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern TASK_STORAGE = Pattern.compile("/tasks/(\\d+)/(resolve|presign)/");
    private static final Pattern CLOUD = Pattern.compile("^(s3|gs|azure-blob)://([^/]+)/.*");
    private static final Duration ACCESS_LIFETIME = Duration.ofMinutes(5);

    /** Where uploaded files live, which decides what {@code /storage-data/uploaded/} does. */
    public enum Uploads {
        /** The default file system storage: tasks hold {@code /data/upload/...}; the proxy route fails. */
        FILE_SYSTEM,
        /** Cloud-backed ({@code STORAGE_TYPE}) with {@code USE_NGINX_FOR_UPLOADS} on but no nginx: empty 200s. */
        CLOUD_WITHOUT_NGINX,
        /** Cloud-backed with {@code USE_NGINX_FOR_UPLOADS=false}: the proxy route serves the bytes. */
        CLOUD_DIRECT
    }

    /**
     * A recorded request.
     *
     * @param server {@code ls} or {@code storage}
     * @param method HTTP method
     * @param path path and query, decoded
     * @param authorization the header, or null
     */
    public record Seen(String server, String method, String path, String authorization) {}

    /**
     * A connected import storage.
     *
     * @param bucket e.g. {@code s3://bucket}
     * @param presign whether the resolve route redirects (true) or proxies the bytes (false)
     * @param presignTarget where presigned URLs point, or null for the storage server
     */
    record Storage(String bucket, boolean presign, String presignTarget) {}

    private final String legacyKey;
    private final HttpServer ls;
    private final HttpServer storageServer;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final HttpClient backendClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    private final Map<Long, String> labelConfigs = new ConcurrentHashMap<>();
    private final Map<Long, List<ObjectNode>> tasks = new ConcurrentHashMap<>();
    private final Map<Long, List<Storage>> storages = new ConcurrentHashMap<>();
    private final Map<Long, String> mlBackends = new ConcurrentHashMap<>();
    private final List<ObjectNode> predictions = new CopyOnWriteArrayList<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Set<String> personalTokens = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> accessTokens = new ConcurrentHashMap<>();
    private final AtomicLong clockOffsetMillis = new AtomicLong();
    private final AtomicInteger failPredictionPosts = new AtomicInteger();
    private final AtomicInteger busyTaskPages = new AtomicInteger();
    private final AtomicInteger refreshes = new AtomicInteger();
    private final AtomicInteger unauthorized = new AtomicInteger();
    private final AtomicLong nextPrediction = new AtomicLong(1000);
    private volatile Uploads uploads = Uploads.FILE_SYSTEM;
    private volatile String hostname = "";
    private volatile Duration pageDelay = Duration.ZERO;

    /**
     * Starts both servers.
     *
     * @param key the legacy API token
     * @return the fake
     * @throws IOException when a socket cannot be bound
     */
    public static FakeLabelStudio start(String key) throws IOException {
        return new FakeLabelStudio(key);
    }

    private FakeLabelStudio(String key) throws IOException {
        this.legacyKey = key;
        ls = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        storageServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // Handlers run on their own threads: a page waiting for automatic predictions holds nothing else up.
        ls.setExecutor(executor);
        storageServer.setExecutor(executor);
        ls.createContext("/", this::handleLabelStudio);
        storageServer.createContext("/", this::handleStorage);
        ls.start();
        storageServer.start();
    }

    /** The base URL ({@code http://127.0.0.1:<port>}). */
    public String url() {
        return "http://127.0.0.1:" + ls.getAddress().getPort();
    }

    /**
     * Sets Label Studio's {@code LABEL_STUDIO_HOST}: resolved links become absolute on it.
     *
     * @param host e.g. the base URL
     */
    public void hostname(String host) {
        hostname = host.endsWith("/") ? host.substring(0, host.length() - 1) : host;
    }

    /** Sets where uploads live. */
    public void uploads(Uploads mode) {
        uploads = mode;
    }

    /**
     * Adds a file served under {@code /data/...} (an upload {@code /data/upload/<p>/<f>}, stored under the
     * key {@code upload/<p>/<f>}, or a local file {@code /data/local-files/?d=...}).
     *
     * @param pathAndQuery e.g. {@code /data/upload/1/a.png}
     * @param bytes the content
     */
    public void file(String pathAndQuery, byte[] bytes) {
        files.put(pathAndQuery, bytes);
    }

    /**
     * Adds an object of a cloud bucket, e.g. {@code s3://bucket/a.png}.
     *
     * @param uri the cloud URI
     * @param bytes the content
     */
    public void cloud(String uri, byte[] bytes) {
        objects.put(uri, bytes);
    }

    /**
     * Connects an import storage to a project.
     *
     * @param project the project
     * @param bucket e.g. {@code s3://bucket}
     * @param presign redirect to presigned URLs (Label Studio's default) or proxy the bytes
     */
    public void storage(long project, String bucket, boolean presign) {
        storages.computeIfAbsent(project, p -> new CopyOnWriteArrayList<>()).add(new Storage(bucket, presign, null));
    }

    /** A storage whose presigned URLs point at {@code target} (a misconfigured or hostile storage). */
    public void storagePresigningTo(long project, String bucket, String target) {
        storages.computeIfAbsent(project, p -> new CopyOnWriteArrayList<>()).add(new Storage(bucket, true, target));
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
     * Connects an ML backend with "retrieve predictions automatically" on.
     *
     * @param project the project
     * @param backendUrl the ML backend's URL, e.g. {@code http://127.0.0.1:8080/label-studio}
     */
    public void retrievePredictionsAutomatically(long project, String backendUrl) {
        mlBackends.put(project, backendUrl.endsWith("/") ? backendUrl.substring(0, backendUrl.length() - 1) : backendUrl);
    }

    /**
     * Adds a task to a project.
     *
     * @param project the project
     * @param id task id
     * @param data task data as stored
     * @param predictionVersions model versions of predictions it already has
     */
    public void task(long project, long id, Map<String, String> data, String... predictionVersions) {
        ObjectNode task = JSON.createObjectNode();
        task.put("id", id);
        task.put("project", project);
        ObjectNode d = task.putObject("data");
        data.forEach(d::put);
        task.putArray("predictions");
        task.putArray("annotations");
        tasks.get(project).add(task);
        for (String version : predictionVersions) {
            storePrediction(task, version, JSON.createArrayNode(), null, false);
        }
    }

    /** Makes the next prediction posts fail with 503. */
    public void failNextPredictionPosts(int count) {
        failPredictionPosts.set(count);
    }

    /** Makes the next task-list requests answer 503 with {@code Retry-After: 0} (a busy Label Studio). */
    public void busyTaskPages(int count) {
        busyTaskPages.set(count);
    }

    /** Slows every task page down by this much (a loaded Label Studio), on top of automatic predictions. */
    public void pageDelay(Duration delay) {
        pageDelay = delay;
    }

    /**
     * Issues a personal access token (Account &amp; Settings → Personal Access Token).
     *
     * @return the refresh JWT
     */
    public String personalAccessToken() {
        String token = jwt("refresh", now().plus(Duration.ofDays(365 * 200)));
        personalTokens.add(token);
        return token;
    }

    /** Moves the fake's clock forward (access tokens expire by it). */
    public void advance(Duration duration) {
        clockOffsetMillis.addAndGet(duration.toMillis());
    }

    /** The fake's clock, for a client that must agree with it: it moves when {@link #advance} is called. */
    public Clock clock() {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now();
            }
        };
    }

    /** Revokes every access token issued so far, as if they had expired early. */
    public void revokeAccessTokens() {
        accessTokens.clear();
    }

    /** How many access tokens were issued. */
    public int refreshes() {
        return refreshes.get();
    }

    /** How many requests were answered 401. */
    public int unauthorized() {
        return unauthorized.get();
    }

    /** The predictions stored since the start (posted and automatic; not those the tasks were added with). */
    public List<ObjectNode> predictions() {
        return Collections.unmodifiableList(predictions);
    }

    /** The requests received so far. */
    public List<Seen> seen() {
        return new ArrayList<>(seen);
    }

    @Override
    public void close() {
        ls.stop(0);
        storageServer.stop(0);
        executor.shutdownNow();
    }

    private Instant now() {
        return Instant.now().plusMillis(clockOffsetMillis.get());
    }

    private static String jwt(String type, Instant exp) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        ObjectNode claims = JSON.createObjectNode().put("token_type", type).put("exp", exp.getEpochSecond())
                .put("jti", UUID.randomUUID().toString().replace("-", "")).put("user_id", 1);
        return header + "." + b64.encodeToString(JSON.writeValueAsBytes(claims)) + "." + b64.encodeToString("sig".getBytes());
    }

    private void handleLabelStudio(HttpExchange e) throws IOException {
        try {
            route(e);
        } catch (RuntimeException ex) {
            send(e, 500, "application/json", error(500, "Unknown error"));
        }
    }

    private void route(HttpExchange e) throws IOException {
        String path = e.getRequestURI().getRawPath();
        String query = e.getRequestURI().getRawQuery();
        String pathAndQuery = query == null ? path : path + "?" + query;
        String auth = e.getRequestHeaders().getFirst("Authorization");
        seen.add(new Seen("ls", e.getRequestMethod(), URLDecoder.decode(pathAndQuery, StandardCharsets.UTF_8), auth));
        if (path.equals("/redirect-away")) {
            redirect(e, 302, "http://169.254.169.254/latest/meta-data/");
            return;
        }
        if (path.equals("/api/token/refresh/") || path.equals("/api/token/refresh")) {
            refresh(e);
            return;
        }
        if (!authenticated(auth)) {
            unauthorized.incrementAndGet();
            send(e, 401, "application/json", error(401, "Authentication credentials were not provided."));
            return;
        }
        Map<String, String> params = params(query);
        if (path.equals("/slow.png")) {
            sleep(4000);
            send(e, 200, "image/png", new byte[10]);
        } else if (path.equals("/huge.png")) {
            send(e, 200, "image/png", new byte[300_000]);
        } else if (path.startsWith("/data/")) {
            byte[] file = files.get(URLDecoder.decode(pathAndQuery, StandardCharsets.UTF_8));
            send(e, file == null ? 404 : 200, "image/png", file == null ? new byte[0] : file);
        } else if (path.equals("/storage-data/uploaded/")) {
            storageData(e, params);
        } else if (TASK_STORAGE.matcher(path).matches()) {
            resolveStorage(e, path, query);
        } else if (path.matches("/api/projects/\\d+/?")) {
            long id = Long.parseLong(path.split("/")[3]);
            String config = labelConfigs.get(id);
            if (config == null) {
                send(e, 404, "application/json", error(404, "Not found."));
                return;
            }
            send(e, 200, "application/json", JSON.writeValueAsBytes(JSON.createObjectNode().put("id", id)
                    .put("label_config", config).put("evaluate_predictions_automatically", mlBackends.containsKey(id))));
        } else if (path.equals("/api/tasks/") || path.equals("/api/tasks")) {
            taskList(e, params);
        } else if (path.equals("/api/predictions/") && e.getRequestMethod().equals("POST")) {
            postPrediction(e);
        } else if (path.equals("/api/predictions/") && e.getRequestMethod().equals("GET")) {
            long task = Long.parseLong(params.getOrDefault("task", "-1"));
            ArrayNode list = JSON.createArrayNode();
            tasks.values().stream().flatMap(List::stream).filter(t -> task < 0 || t.path("id").asLong() == task)
                    .forEach(t -> t.path("predictions").forEach(list::add));
            send(e, 200, "application/json", JSON.writeValueAsBytes(list));
        } else {
            send(e, 404, "application/json", error(404, "Not found."));
        }
    }

    private boolean authenticated(String auth) {
        if (auth == null) {
            return false;
        }
        if (auth.equals("Token " + legacyKey)) {
            return true;
        }
        if (auth.startsWith("Bearer ")) {
            Instant exp = accessTokens.get(auth.substring("Bearer ".length()));
            return exp != null && now().isBefore(exp);
        }
        return false;
    }

    /** simplejwt's TokenRefreshView: no rotation, so the same PAT keeps working. */
    private void refresh(HttpExchange e) throws IOException {
        JsonNode body = JSON.readTree(e.getRequestBody().readAllBytes());
        String refresh = body.path("refresh").asString("");
        if (!e.getRequestMethod().equals("POST") || !personalTokens.contains(refresh)) {
            send(e, 401, "application/json", error(401, "Token is invalid or expired"));
            return;
        }
        Instant exp = now().plus(ACCESS_LIFETIME);
        String access = jwt("access", exp);
        accessTokens.put(access, exp);
        refreshes.incrementAndGet();
        send(e, 200, "application/json", JSON.writeValueAsBytes(JSON.createObjectNode().put("access", access)));
    }

    private void storageData(HttpExchange e, Map<String, String> params) throws IOException {
        String filepath = params.get("filepath");
        if (filepath == null) {
            send(e, 404, "application/json", new byte[0]);
            return;
        }
        byte[] file = files.get("/data/" + filepath);
        if (file == null) {
            send(e, 403, "application/json", error(403, "You do not have permission to perform this action."));
            return;
        }
        switch (uploads) {
            case FILE_SYSTEM -> send(e, 500, "application/json", error(500, "Unknown error"));
            case CLOUD_WITHOUT_NGINX -> {
                e.getResponseHeaders().add("X-Accel-Redirect", "/file_download/s3/bucket/" + filepath);
                e.getResponseHeaders().add("Content-Disposition", "inline; filename=\"" + filepath + "\"");
                send(e, 200, "text/html; charset=utf-8", new byte[0]);
            }
            case CLOUD_DIRECT -> send(e, 200, "image/png", file);
        }
    }

    private void resolveStorage(HttpExchange e, String path, String query) throws IOException {
        Matcher m = TASK_STORAGE.matcher(path);
        m.matches();
        String raw = query == null || !query.startsWith("fileuri=") ? null : query.substring("fileuri=".length());
        if (raw == null) {
            send(e, 400, "application/json", error(400, "Validation error"));
            return;
        }
        ObjectNode task = findTask(Long.parseLong(m.group(1)));
        if (task == null) {
            send(e, 404, "application/json", error(404, "Not found."));
            return;
        }
        String fileuri;
        try {
            fileuri = new String(Base64.getUrlDecoder().decode(raw), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            fileuri = URLDecoder.decode(raw, StandardCharsets.UTF_8);
        }
        Storage storage = storageOf(task.path("project").asLong(), fileuri);
        if (storage == null) {
            send(e, 404, "application/json", new byte[0]);
            return;
        }
        URI object = URI.create(fileuri.replace(" ", "%20"));
        if (storage.presign()) {
            String target = storage.presignTarget() != null ? storage.presignTarget()
                    : "http://localhost:" + storageServer.getAddress().getPort() + "/" + object.getHost() + object.getRawPath()
                            + "?X-Amz-Signature=signed";
            e.getResponseHeaders().add("Cache-Control", "no-store, max-age=60");
            redirect(e, 303, target);
            return;
        }
        byte[] bytes = objects.get(fileuri);
        send(e, bytes == null ? 424 : 200, "image/png", bytes == null ? new byte[0] : bytes);
    }

    private Storage storageOf(long project, String uri) {
        Matcher m = CLOUD.matcher(uri);
        if (!m.matches()) {
            return null;
        }
        for (Storage storage : storages.getOrDefault(project, List.of())) {
            if (storage.bucket().equals(m.group(1) + "://" + m.group(2))) {
                return storage;
            }
        }
        return null;
    }

    private void taskList(HttpExchange e, Map<String, String> params) throws IOException {
        if (!params.containsKey("project") && !params.containsKey("view")) {
            send(e, 404, "application/json", "{\"detail\":\"Neither project nor view id specified\"}".getBytes());
            return;
        }
        String resolveParam = params.getOrDefault("resolve_uri", "true").toLowerCase();
        if (!Set.of("true", "1", "yes", "on", "false", "0", "no", "off", "not").contains(resolveParam)) {
            send(e, 400, "application/json", error(400, "Validation error"));
            return;
        }
        if (busyTaskPages.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            e.getResponseHeaders().add("Retry-After", "0");
            send(e, 503, "text/html", "<h1>503 Service Unavailable</h1>".getBytes());
            return;
        }
        long project = Long.parseLong(params.get("project"));
        int page = Integer.parseInt(params.getOrDefault("page", "1"));
        int size = Integer.parseInt(params.getOrDefault("page_size", "100"));
        List<ObjectNode> all = tasks.getOrDefault(project, List.of());
        int from = (page - 1) * size;
        if (page < 1 || (from >= all.size() && page > 1)) {
            send(e, 404, "application/json", error(404, "Invalid page."));
            return;
        }
        List<ObjectNode> pageTasks = all.subList(Math.min(from, all.size()), Math.min(from + size, all.size()));
        sleep(pageDelay.toMillis());
        boolean review = Boolean.parseBoolean(params.getOrDefault("review", "false"));
        if (!review && mlBackends.containsKey(project)) {
            predictTasks(project, pageTasks.stream().filter(t -> t.path("predictions").isEmpty()).toList());
        }
        boolean allFields = "all".equals(params.get("fields"));
        boolean resolve = Set.of("true", "1", "yes", "on").contains(resolveParam);
        ObjectNode body = JSON.createObjectNode();
        body.put("total_annotations", 0);
        body.put("total_predictions", all.stream().mapToInt(t -> t.path("predictions").size()).sum());
        body.put("total", all.size());
        ArrayNode list = body.putArray("tasks");
        for (ObjectNode task : pageTasks) {
            list.add(serialize(task, allFields, resolve));
        }
        send(e, 200, "application/json", JSON.writeValueAsBytes(body));
    }

    private ObjectNode serialize(ObjectNode task, boolean allFields, boolean resolve) {
        ObjectNode out = JSON.createObjectNode();
        out.put("id", task.path("id").asLong());
        out.put("project", task.path("project").asLong());
        ObjectNode data = (ObjectNode) task.get("data").deepCopy();
        if (resolve) {
            for (Map.Entry<String, JsonNode> field : task.path("data").properties()) {
                data.put(field.getKey(), resolveUri(task, field.getValue().asString("")));
            }
        }
        out.set("data", data);
        out.putObject("meta");
        out.put("is_labeled", false);
        out.put("overlap", 1);
        out.put("inner_id", task.path("id").asLong());
        out.put("total_annotations", 0);
        out.put("cancelled_annotations", 0);
        out.put("total_predictions", task.path("predictions").size());
        out.putArray("drafts");
        out.putArray("annotators");
        out.put("annotations_results", "");
        out.put("predictions_results", "");
        out.put("file_upload", (String) null);
        out.put("allow_skip", true);
        // Computed columns are filled only when annotated, which fields=all does.
        List<String> versions = new ArrayList<>();
        task.path("predictions").forEach(p -> versions.add(p.path("model_version").asString()));
        out.put("predictions_model_versions", allFields ? String.join(",", versions) : "");
        if (allFields) {
            out.set("predictions", task.path("predictions").deepCopy());
            out.set("annotations", task.path("annotations").deepCopy());
        }
        return out;
    }

    private String resolveUri(ObjectNode task, String value) {
        if (uploads != Uploads.FILE_SYSTEM && (value.startsWith("upload/") || value.startsWith("/data/upload/"))) {
            String key = value.startsWith("/data/") ? value.substring("/data/".length()) : value;
            return hostname + "/storage-data/uploaded/?filepath=" + key;
        }
        if (storageOf(task.path("project").asLong(), value) == null) {
            return value;
        }
        String encoded = Base64.getUrlEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
        return hostname + "/tasks/" + task.path("id").asLong() + "/resolve/?fileuri=" + encoded;
    }

    /** MLBackend.predict_tasks: health, setup, one predict for the batch; every failure swallowed. */
    private void predictTasks(long project, List<ObjectNode> unpredicted) {
        if (unpredicted.isEmpty()) {
            return;
        }
        String backend = mlBackends.get(project);
        String projectUid = project + ".1712345678";
        try {
            HttpResponse<String> health = backendClient.send(HttpRequest.newBuilder(URI.create(backend + "/health"))
                    .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (health.statusCode() / 100 != 2) {
                return;
            }
            ObjectNode setup = JSON.createObjectNode().put("project", projectUid).put("schema", labelConfigs.get(project))
                    .put("hostname", hostname.isEmpty() ? "http://localhost:8080" : hostname).put("access_token", legacyKey);
            setup.putNull("extra_params");
            HttpResponse<String> setupAnswer = post(backend + "/setup", setup, Duration.ofSeconds(3));
            if (setupAnswer.statusCode() / 100 != 2) {
                return;
            }
            String modelVersion = JSON.readTree(setupAnswer.body()).path("model_version").asString(null);
            ObjectNode request = JSON.createObjectNode();
            ArrayNode list = request.putArray("tasks");
            unpredicted.forEach(t -> list.add(t.deepCopy()));
            request.put("project", projectUid);
            request.put("label_config", labelConfigs.get(project));
            ObjectNode params = request.putObject("params");
            params.putNull("login");
            params.putNull("password");
            params.putNull("context");
            HttpResponse<String> answer = post(backend + "/predict", request, Duration.ofSeconds(100));
            if (answer.statusCode() / 100 != 2) {
                return;
            }
            JsonNode results = JSON.readTree(answer.body()).path("results");
            if (!results.isArray() || results.size() != unpredicted.size()) {
                return;
            }
            for (int i = 0; i < unpredicted.size(); i++) {
                JsonNode response = results.get(i);
                for (JsonNode r : response.isArray() ? response : JSON.createArrayNode().add(response)) {
                    if (r.has("result")) {
                        storePrediction(unpredicted.get(i), r.path("model_version").asString(modelVersion), r.path("result"),
                                r.path("score").isNumber() ? r.path("score").asDouble() : null, true);
                    }
                }
            }
        } catch (IOException | RuntimeException ex) {
            // Label Studio logs ML backend errors and answers the page anyway.
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * An annotator finishes a smart keypoint or rectangle: what Label Studio's {@code POST
     * /api/ml/<pk>/interactive-annotating} does ({@code ml/api.py::MLBackendInteractiveAnnotating},
     * {@code ml/models.py::MLBackend.interactive_annotating}, {@code ml/api_connector.py::
     * _prep_prediction_req}): the one task (data unresolved, predictions and annotations expanded) and
     * the project's label config go to the backend's {@code /predict} with {@code params.context} =
     * the browser's {@code {"result": [...]}}, no health or setup call first, nothing stored. The
     * browser gets {@code {"data": results[0]}}, or {@code {"errors": [...]}} (always HTTP 200) when
     * the backend failed or answered no result.
     *
     * @param backendUrl the ML backend connected with "Use for interactive preannotations"
     * @param context what the editor sends: {@code {"result": [<the smart regions>]}}
     * @return the JSON the browser receives
     */
    public JsonNode interactiveAnnotating(String backendUrl, long taskId, JsonNode context) throws IOException, InterruptedException {
        ObjectNode task = null;
        long project = 0;
        for (Map.Entry<Long, List<ObjectNode>> entry : tasks.entrySet()) {
            for (ObjectNode t : entry.getValue()) {
                if (t.path("id").asLong() == taskId) {
                    task = t;
                    project = entry.getKey();
                }
            }
        }
        if (task == null) {
            throw new IllegalArgumentException("no task " + taskId);
        }
        ObjectNode request = JSON.createObjectNode();
        ObjectNode serialized = task.deepCopy();
        serialized.putArray("drafts");
        serialized.put("file_upload", "a.png");
        request.putArray("tasks").add(serialized);
        request.put("project", project + ".1712345678");
        request.put("label_config", labelConfigs.get(project));
        ObjectNode params = request.putObject("params");
        params.putNull("login");
        params.putNull("password");
        params.set("context", context);
        String backend = backendUrl.endsWith("/") ? backendUrl.substring(0, backendUrl.length() - 1) : backendUrl;
        ObjectNode answer = JSON.createObjectNode();
        HttpResponse<String> response;
        try {
            response = post(backend + "/predict", request, Duration.ofSeconds(100));
        } catch (IOException e) {
            answer.putArray("errors").add("ML backend is not reachable: " + e);
            return answer;
        }
        if (response.statusCode() / 100 != 2) {
            answer.putArray("errors").add("Status code: " + response.statusCode() + "; Response: " + response.body());
            return answer;
        }
        JsonNode body = JSON.readTree(response.body());
        if (!body.isObject()) {
            answer.putArray("errors").add("Incorrect response from ML service: ML backend returns an incorrect response, it must be a dict.");
            return answer;
        }
        JsonNode results = body.path("results");
        if (!results.isArray() || results.isEmpty()) {
            answer.putArray("errors").add("Incorrect response from ML service: ML backend has to return list with more than 1 result.");
            return answer;
        }
        answer.set("data", results.get(0));
        return answer;
    }

    private HttpResponse<String> post(String url, ObjectNode body, Duration timeout) throws IOException, InterruptedException {
        return backendClient.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void postPrediction(HttpExchange e) throws IOException {
        if (failPredictionPosts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            send(e, 503, "application/json", "{}".getBytes());
            return;
        }
        JsonNode body = JSON.readTree(e.getRequestBody().readAllBytes());
        ObjectNode task = findTask(body.path("task").asLong(-1));
        if (task == null) {
            send(e, 400, "application/json", error(400, "Validation error"));
            return;
        }
        // Prediction.model_version: CharField with default '' when omitted.
        ObjectNode stored = storePrediction(task, body.path("model_version").asString(""), body.path("result"),
                body.path("score").isNumber() ? body.path("score").asDouble() : null, true);
        send(e, 201, "application/json", JSON.writeValueAsBytes(stored));
    }

    private ObjectNode storePrediction(ObjectNode task, String modelVersion, JsonNode result, Double score, boolean record) {
        ObjectNode prediction = JSON.createObjectNode();
        prediction.put("id", nextPrediction.incrementAndGet());
        prediction.set("result", result.deepCopy());
        if (score == null) {
            prediction.putNull("score");
        } else {
            prediction.put("score", score);
        }
        prediction.put("model_version", modelVersion);
        prediction.put("task", task.path("id").asLong());
        prediction.put("project", task.path("project").asLong());
        prediction.put("created_at", now().atOffset(ZoneOffset.UTC).toString());
        ((ArrayNode) task.get("predictions")).add(prediction);
        if (record) {
            predictions.add(prediction);
        }
        return prediction;
    }

    private ObjectNode findTask(long id) {
        for (List<ObjectNode> projectTasks : tasks.values()) {
            for (ObjectNode task : projectTasks) {
                if (task.path("id").asLong() == id) {
                    return task;
                }
            }
        }
        return null;
    }

    private void handleStorage(HttpExchange e) throws IOException {
        String path = e.getRequestURI().getPath();
        seen.add(new Seen("storage", e.getRequestMethod(), e.getRequestURI().toString(), e.getRequestHeaders().getFirst("Authorization")));
        byte[] object = objects.get("s3:/" + path);
        send(e, object == null ? 404 : 200, "image/png", object == null ? new byte[0] : object);
    }

    /** Label Studio's error body (core/utils/common.py::custom_exception_handler). */
    private static byte[] error(int status, String detail) {
        ObjectNode body = JSON.createObjectNode().put("id", UUID.randomUUID().toString()).put("status_code", status)
                .put("version", "1.22.0").put("detail", detail);
        body.putNull("exc_info");
        return JSON.writeValueAsBytes(body);
    }

    private static Map<String, String> params(String query) {
        Map<String, String> params = new LinkedHashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return params;
    }

    private static void redirect(HttpExchange e, int status, String location) throws IOException {
        e.getResponseHeaders().add("Location", location);
        e.sendResponseHeaders(status, -1);
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
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }
}
