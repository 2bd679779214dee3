package com.fmawsss.web;

import com.fmawsss.masks.CocoRleCodec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fmawsss.api.Multipart;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.masks.CocoRle;
import com.fmawsss.tensors.Npz;
import com.fmawsss.tensors.NpyArray;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The page at {@code /} in headless Chromium against the app with the demo bundle: the overlay's
 * pixels against the API's label map for the same request, per-class hiding, CAMs and
 * superpixels against Java decodings, problems as messages, labels and keyboard reach, phone
 * width, the jobs view, and no console errors. Skipped when chromium/chromedriver are missing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WebPageBrowserTest {

    static final String TOKEN = "web-page-test-token";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);
    static final Path PHOTO = Path.of("src/test/resources/photos/chelsea.jpg");

    static HeadlessChromium chromium;
    static ChromeDriver driver;
    static Path dataRoot;

    @LocalServerPort int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        Path state = Files.createTempDirectory("fma-web-state-");
        dataRoot = Files.createTempDirectory("fma-web-data-");
        registry.add("fma.state.dir", state::toString);
        registry.add("fma.data.roots", dataRoot::toString);
        registry.add("fma.admin.token", () -> TOKEN);
    }

    @BeforeAll
    static void startBrowser() throws Exception {
        if (HeadlessChromium.installed()) {
            chromium = HeadlessChromium.start();
            driver = chromium.driver;
        }
    }

    @BeforeEach
    void needsTheBrowser() {
        // Per test, so that reports count each skipped test.
        assumeTrue(driver != null, "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
    }

    @AfterEach
    void noConsoleErrors() {
        if (driver != null) {
            assertThat(chromium.consoleErrors()).extracting(LogEntry::getMessage).isEmpty();
            driver.manage().window().setSize(new Dimension(1280, 1000));
        }
    }

    // ---- the overlay ---------------------------------------------------------------------------

    @Test
    void overlayPixelsAreTheApiLabelMapAndHiddenClassesDisappear() throws Exception {
        byte[] photo = Files.readAllBytes(PHOTO);
        List<String> classes = classesWithPixels(photo);
        LabelMap expected = LabelMapPng.decode(apiPng(photo, classes), ImageLimits.defaults());
        BufferedImage palette = ImageIO.read(new ByteArrayInputStream(apiPng(photo, classes)));

        open();
        upload(PHOTO);
        enterClasses(classes);
        runAndWaitFor("done");

        Canvas overlay = labelLayer();
        assertThat(overlayMismatches(overlay, expected, palette)).as("pixels unlike the API's label map").isEmpty();
        assertThat(java.util.Arrays.stream(expected.labels()).filter(l -> l > 0).count()).isPositive();
        List<String> wrong = new ArrayList<>();

        int hidden = mostFrequentLabel(expected);
        driver.findElement(By.id("legend-" + hidden)).click();
        Canvas after = labelLayer();
        for (int y = 0; y < expected.height(); y++) {
            for (int x = 0; x < expected.width(); x++) {
                int label = expected.at(x, y);
                boolean visible = label != 0 && label != hidden;
                boolean right = visible ? after.alpha(x, y) == 255 && after.rgb(x, y) == overlay.rgb(x, y) : after.alpha(x, y) == 0;
                if (!right && wrong.size() < 20) {
                    wrong.add("(" + x + "," + y + ") class " + label);
                }
            }
        }
        assertThat(wrong).as("pixels wrong with class %d hidden", hidden).isEmpty();
        // The class under the pointer is the API's label there.
        int[] at = firstPixelOf(expected, hidden);
        String name = classes.get(hidden - 1);
        hoverPixel(at[0], at[1], expected.width());
        assertThat(text("pointer-readout")).contains(name);
        assertThat(requestUrls()).as("the page asked for asynchronous processing and polled").anyMatch(u -> u.contains("/v1/requests/"));
        assertThat(driver.findElements(By.cssSelector("#timings tbody tr"))).isNotEmpty();
        assertThat(text("metadata-summary")).contains("manual-voc").contains("demo: random weights");
        assertThat(driver.findElement(By.id("demo-banner")).isDisplayed()).isTrue();
    }

    @Test
    void problemsAreShownAsReadableMessages() throws Exception {
        Path notes = Files.createTempFile("notes-", ".txt");
        Files.writeString(notes, "these are notes, not a photo\n");
        HttpResponse<byte[]> api = new Multipart().file("image", notes.getFileName().toString(), "text/plain", Files.readAllBytes(notes))
                .field("classes", "cat").post(port, "/v1/masks", null);
        JsonNode problem = JSON.readTree(new String(api.body(), StandardCharsets.UTF_8));
        assertThat(api.statusCode()).isEqualTo(415);

        open();
        upload(notes);
        waitFor(d -> "no-preview".equals(resultState()));
        enterClasses(List.of("cat"));
        assertThat(chromium.consoleErrors()).extracting(LogEntry::getMessage).isEmpty();
        runAndWaitFor("error");

        WebElement message = driver.findElement(By.id("message"));
        assertThat(message.isDisplayed()).isTrue();
        assertThat(message.getAttribute("role")).isEqualTo("alert");
        assertThat(message.getText()).contains(problem.path("title").asString()).contains(problem.path("detail").asString())
                .contains("415");
        // The browser reports the refused upload as a failed resource load, and nothing else.
        assertThat(chromium.consoleErrors()).extracting(LogEntry::getMessage)
                .allMatch(m -> m.contains("/v1/masks") && m.contains("415"));

        // A page-side check: no classes, no request.
        driver.findElement(By.cssSelector("#chips button")).click();
        driver.findElement(By.id("run-button")).click();
        assertThat(text("message")).contains("Add at least one class name");
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo("class-input");
    }

    @Test
    void aLabelPngIsRefinedLikeTheApiDoesIt() throws Exception {
        byte[] photo = Files.readAllBytes(PHOTO);
        int width = 451;
        int height = 300;
        int[] labels = new int[width * height];
        for (int p = 0; p < labels.length; p++) {
            labels[p] = p % width < width / 3 ? 1 : p % width < 2 * width / 3 ? 0 : 2; // left: sky, right: road
        }
        Path seeds = Files.createTempFile("seeds-", ".png");
        Files.write(seeds, LabelMapPng.encode(labels, width, height));
        byte[] png = new Multipart().file("image", "chelsea.jpg", "image/jpeg", photo)
                .file("labels", "seeds.png", "image/png", Files.readAllBytes(seeds))
                .field("classes", "sky").field("classes", "road").field("alpha", "0.7").post(port, "/v1/refine", "image/png").body();
        LabelMap expected = LabelMapPng.decode(png, ImageLimits.defaults());

        open();
        driver.findElement(By.id("mode-refine")).click();
        upload(PHOTO);
        driver.findElement(By.id("scores-input")).sendKeys(seeds.toAbsolutePath().toString());
        enterClasses(List.of("sky", "road"));
        runAndWaitFor("done");
        assertThat(overlayMismatches(labelLayer(), expected, ImageIO.read(new ByteArrayInputStream(png)))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("#legend li"))).hasSize(2);
    }

    @Test
    void overloadAnswersSayWhenToRetry() {
        open();
        @SuppressWarnings("unchecked")
        List<String> texts = (List<String>) ((JavascriptExecutor) driver).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                import('/api.js').then((api) => {
                  const busy = new api.ProblemError({title: 'Queue full', detail: 'The inference queue is full.'}, 429, 12);
                  const late = new api.ProblemError({title: 'Timeout'}, 503, api.retryAfterSeconds(
                      new Date(Date.now() + 30000).toUTCString()));
                  done([busy, late].map((e) => { const d = api.describeProblem(e); return d.title + ': ' + d.detail; }));
                });
                """);
        assertThat(texts.get(0)).isEqualTo("Queue full: The inference queue is full. The service is busy: try again in 12 s.");
        // An HTTP date 30 s ahead (whole seconds) is 29 to 30 s away.
        assertThat(texts.get(1)).matches("Timeout: The service is busy: try again in (29|30) s\\.");
    }

    @Test
    void cancellingARunningRequestCancelsItOnTheService() throws Exception {
        // A photo the superpixel cache has not seen, and the densest grid, so that the run lasts.
        java.util.Random random = new java.util.Random(19);
        BufferedImage noise = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < noise.getHeight(); y++) {
            for (int x = 0; x < noise.getWidth(); x++) {
                noise.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        Path image = Files.createTempFile("noise-", ".png");
        ImageIO.write(noise, "png", image.toFile());

        open();
        upload(image);
        enterClasses(List.of("cat"));
        driver.findElement(By.cssSelector("details.advanced summary")).click();
        driver.findElement(By.id("grid-input")).sendKeys("64");
        driver.findElement(By.id("run-button")).click();
        // Running, and the service has answered 202 with the request's location (a stage is shown).
        waitFor(d -> text("progress-text").contains("("));
        String location = requestUrls().stream().filter(u -> u.contains("/v1/requests/")).findFirst().orElseThrow();
        driver.findElement(By.id("cancel-button")).click();
        waitFor(d -> "error".equals(resultState()));
        assertThat(text("message")).contains("Cancelled");
        assertThat(driver.findElement(By.id("run-button")).isEnabled()).isTrue();

        String status = URI.create(location).getPath() + "/status";
        new WebDriverWait(driver, Duration.ofSeconds(60)).until(d -> call(() -> JSON.readTree(admin("GET", status, null).body())
                .path("state").asString().equals("cancelled")));
        // The cancelled work stops at its next stage or point batch; until then the service refuses
        // synchronous requests as busy. Leave it idle for the other tests.
        byte[] photo = Files.readAllBytes(PHOTO);
        new WebDriverWait(driver, RUN_TIMEOUT).pollingEvery(Duration.ofSeconds(1)).until(d -> call(() -> new Multipart()
                .file("image", "chelsea.jpg", "image/jpeg", photo).field("classes", "cat").field("refine", "none")
                .post(port, "/v1/masks", null).statusCode() == 200));
    }

    static <T> T call(java.util.concurrent.Callable<T> callable) {
        try {
            return callable.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- debug outputs -------------------------------------------------------------------------

    @Test
    void seedsShowTheApisCamsAndSuperpixelBoundaries() throws Exception {
        byte[] photo = Files.readAllBytes(PHOTO);
        List<String> labels = List.of("person", "bird");
        HttpResponse<byte[]> api = new Multipart().file("image", "chelsea.jpg", "image/jpeg", photo)
                .field("labels", "person").field("labels", "bird").field("include", "cams,superpixels").post(port, "/v1/seeds", null);
        assertThat(api.statusCode()).as(new String(api.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        JsonNode body = JSON.readTree(new String(api.body(), StandardCharsets.UTF_8));

        // The page's .npz reader (DEFLATE through DecompressionStream) against Java's.
        String cams = body.path("cams").asString();
        Map<String, NpyArray> expected = Npz.read(Base64.getDecoder().decode(cams), 10_000_000);
        open();
        @SuppressWarnings("unchecked")
        Map<String, Object> decoded = (Map<String, Object>) ((JavascriptExecutor) driver).executeAsyncScript("""
                const [text, done] = arguments;
                import('/npz.js').then(async (npz) => {
                  const arrays = await npz.readNpz(npz.base64Bytes(text).buffer);
                  const out = {};
                  for (const [name, a] of arrays) out[name] = {shape: a.shape, data: Array.from(a.data)};
                  done(out);
                }).catch((e) => done({error: String(e)}));
                """, cams);
        assertThat(decoded.keySet()).containsExactly("raw", "refined");
        for (String name : List.of("raw", "refined")) {
            NpyArray array = expected.get(name);
            @SuppressWarnings("unchecked")
            Map<String, Object> js = (Map<String, Object>) decoded.get(name);
            assertThat(((List<?>) js.get("shape")).stream().map(n -> ((Number) n).intValue()).toList())
                    .containsExactly(array.shape()[0], array.shape()[1], array.shape()[2]);
            float[] want = array.toFloatTensor().data();
            List<?> got = (List<?>) js.get("data");
            assertThat(got).hasSize(want.length);
            for (int i = 0; i < want.length; i++) {
                assertThat(((Number) got.get(i)).floatValue()).as("%s[%d]", name, i).isEqualTo(want[i]);
            }
        }

        driver.findElement(By.cssSelector("input[name=mode][value=seeds]")).click();
        upload(PHOTO);
        enterClasses(labels);
        runAndWaitFor("done");

        new Select(driver.findElement(By.id("heatmap-class"))).selectByVisibleText("bird");
        assertThat(driver.findElement(By.id("heatmap-layer")).isDisplayed()).isTrue();
        Canvas heatmap = canvas("heatmap-layer");
        assertThat(heatmap.opaquePixels()).isEqualTo(heatmap.width * heatmap.height);
        String screenshot = System.getProperty("fma.screenshot");
        if (screenshot != null && !screenshot.isBlank()) {
            hoverPixel(body.path("width").asInt() / 2, body.path("height").asInt() / 2, body.path("width").asInt());
            saveScreenshot(Path.of(screenshot));
        }

        // Boundaries: every 4-neighbour edge pixel of every superpixel, decoded here from the same RLEs.
        driver.findElement(By.id("boundaries-on")).click();
        Set<Integer> edges = new HashSet<>();
        int width = body.path("width").asInt();
        int height = body.path("height").asInt();
        for (JsonNode sp : body.path("superpixels")) {
            boolean[] mask = CocoRleCodec.decompress(sp.path("rle").path("counts").asString(), height, width).decodeRowMajor();
            for (int p = 0; p < mask.length; p++) {
                int x = p % width;
                int y = p / width;
                if (mask[p] && (x == 0 || y == 0 || x == width - 1 || y == height - 1
                        || !mask[p - 1] || !mask[p + 1] || !mask[p - width] || !mask[p + width])) {
                    edges.add(p);
                }
            }
        }
        Canvas boundaries = canvas("boundary-layer");
        Set<Integer> drawn = new HashSet<>();
        for (int p = 0; p < width * height; p++) {
            if (boundaries.alpha(p % width, p / width) > 0) {
                drawn.add(p);
            }
        }
        assertThat(edges).isNotEmpty();
        assertThat(drawn).isEqualTo(edges);
        assertThat(text("boundary-note")).startsWith(body.path("superpixels").size() + " quasi-superpixels");
    }

    // ---- accessibility and layout --------------------------------------------------------------

    @Test
    void everyControlIsLabelledAndReachableByKeyboard() {
        open();
        @SuppressWarnings("unchecked")
        List<String> unlabelled = (List<String>) ((JavascriptExecutor) driver).executeScript("""
                const named = (e) => (e.getAttribute('aria-label') || '').trim()
                  || (e.getAttribute('aria-labelledby') || '').split(' ').some((id) => document.getElementById(id)?.textContent.trim())
                  || [...(e.labels || [])].some((l) => l.textContent.trim())
                  || (e.tagName === 'BUTTON' && e.textContent.trim());
                return [...document.querySelectorAll('input, select, textarea, button, progress, [tabindex]')]
                  .filter((e) => !named(e)).map((e) => e.outerHTML.slice(0, 120));
                """);
        assertThat(unlabelled).isEmpty();

        Set<String> reached = new LinkedHashSet<>();
        driver.findElement(By.tagName("body")).click();
        for (int i = 0; i < 60; i++) {
            new Actions(driver).sendKeys(Keys.TAB).perform();
            WebElement active = driver.switchTo().activeElement();
            String id = active.getAttribute("id");
            reached.add(id == null || id.isEmpty() ? active.getTagName() + ":" + active.getText() : id);
        }
        assertThat(reached).contains("image-input", "button:Cat", "mode-masks", "class-input", "refine-select", "run-button",
                "token-input");
    }

    @Test
    void aSamplePhotoRunsAtPhoneWidthWithoutSidewaysScrolling() {
        driver.manage().window().setSize(new Dimension(390, 844));
        open();
        assertThat(overflow()).isLessThanOrEqualTo(0L);
        driver.findElement(By.cssSelector("button.sample[data-src$='chelsea.jpg']")).click();
        waitFor(d -> "preview".equals(resultState()));
        assertThat(driver.findElements(By.cssSelector("#chips li"))).hasSize(2);
        new Select(driver.findElement(By.id("refine-select"))).selectByValue("none");
        runAndWaitFor("done");
        assertThat(driver.findElement(By.id("label-layer")).getSize().getWidth()).isLessThanOrEqualTo(390);
        // Without SAM the masks come with CAMs only.
        assertThat(driver.findElement(By.id("heatmap-controls")).isDisplayed()).isTrue();
        assertThat(driver.findElement(By.id("boundary-controls")).isDisplayed()).isFalse();
        assertThat(overflow()).isLessThanOrEqualTo(0L);
    }

    // ---- jobs view -----------------------------------------------------------------------------

    @Test
    void jobsViewIsReadOnlyWithoutTheTokenAndFollowsJobsWithIt() throws Exception {
        open();
        waitFor(d -> text("active-prompts").contains("manual-voc"));
        assertThat(driver.findElement(By.id("admin-views")).isDisplayed()).isFalse();

        useToken("wrong-token");
        waitFor(d -> driver.findElement(By.id("jobs-message")).isDisplayed());
        assertThat(text("jobs-message")).contains("not accepted");
        // The refused call is logged by the browser as a failed resource load, and nothing else.
        assertThat(chromium.consoleErrors()).extracting(LogEntry::getMessage).singleElement()
                .satisfies(m -> assertThat(m).contains("/v1/admin/prompts").contains("401"));

        Path voc = dataRoot.resolve("voc");
        Files.createDirectories(voc.resolve("JPEGImages"));
        Files.createDirectories(voc.resolve("ImageSets/Segmentation"));
        Files.createDirectories(voc.resolve("SegmentationClass"));
        Files.copy(PHOTO, voc.resolve("JPEGImages/cat1.jpg"));
        int[] mask = new int[451 * 300];
        java.util.Arrays.fill(mask, 0, 451 * 150, 8); // VOC class 8 = cat, top half
        Files.write(voc.resolve("SegmentationClass/cat1.png"), LabelMapPng.encode(mask, 451, 300));
        Files.writeString(voc.resolve("ImageSets/Segmentation/train.txt"), "cat1\n");
        HttpResponse<String> created = admin("POST", "/v1/admin/seed-jobs",
                "{\"dataset\": {\"format\": \"voc\", \"root\": \"voc\", \"split\": \"train\"}, \"output\": \"web-seeds\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
        String id = JSON.readTree(created.body()).path("id").asString();

        useToken(TOKEN);
        waitFor(d -> driver.findElement(By.id("admin-views")).isDisplayed());
        assertThat(driver.findElement(By.id("jobs-message")).isDisplayed()).isFalse();
        // The tables are rebuilt when a poll brings news: read each in one script.
        @SuppressWarnings("unchecked")
        List<String> active = (List<String>) ((JavascriptExecutor) driver).executeScript(
                "const r = document.querySelector('#versions tr.active'); return [r.dataset.version, r.textContent];");
        assertThat(active.get(0)).isEqualTo("manual-voc");
        assertThat(active.get(1)).contains("active");
        // Live progress: the row follows the job to its end without a reload.
        waitFor(d -> "succeeded".equals(driver.findElement(By.cssSelector("#jobs-table tr[data-job='" + id + "']")).getAttribute("data-state")));

        try {
            waitFor(d -> {
                d.findElement(By.cssSelector("#versions tr[data-version='manual-coco'] button")).click();
                return true;
            });
            waitFor(d -> "manual-coco".equals(driver.findElement(By.id("vocabulary")).getAttribute("data-prompt-set")));
            waitFor(d -> driver.findElement(By.cssSelector("#versions tr.active")).getAttribute("data-version").equals("manual-coco"));
            assertThat(driver.findElements(By.cssSelector("#vocabulary option"))).hasSize(80);
        } finally {
            admin("POST", "/v1/admin/prompts/manual-voc/activate", null);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    void open() {
        driver.get("http://127.0.0.1:" + port + "/");
        waitFor(d -> d.findElements(By.cssSelector("#vocabulary option")).size() > 0);
    }

    void upload(Path file) {
        driver.findElement(By.id("image-input")).sendKeys(file.toAbsolutePath().toString());
    }

    void enterClasses(List<String> names) {
        WebElement input = driver.findElement(By.id("class-input"));
        for (String name : names) {
            input.sendKeys(name, Keys.ENTER);
        }
        waitFor(d -> d.findElements(By.cssSelector("#chips li")).size() == names.size());
    }

    void runAndWaitFor(String state) {
        waitFor(d -> !"running".equals(resultState()));
        driver.findElement(By.id("run-button")).click();
        new WebDriverWait(driver, RUN_TIMEOUT).until(d -> state.equals(resultState()) || "error".equals(resultState()));
        assertThat(resultState()).as(text("message")).isEqualTo(state);
    }

    void useToken(String token) {
        WebElement input = driver.findElement(By.id("token-input"));
        input.clear();
        input.sendKeys(token, Keys.ENTER);
    }

    String resultState() {
        return driver.findElement(By.id("result")).getAttribute("data-state");
    }

    String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    void waitFor(java.util.function.Function<org.openqa.selenium.WebDriver, Boolean> condition) {
        new WebDriverWait(driver, Duration.ofSeconds(60))
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(condition);
    }

    @SuppressWarnings("unchecked")
    List<String> requestUrls() {
        return (List<String>) ((JavascriptExecutor) driver).executeScript(
                "return performance.getEntriesByType('resource').map((e) => e.name);");
    }

    long overflow() {
        return (Long) ((JavascriptExecutor) driver).executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
    }

    void hoverPixel(int x, int y, int imageWidth) {
        WebElement viewer = driver.findElement(By.id("viewer"));
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'})", viewer);
        double scale = viewer.getSize().getWidth() / (double) imageWidth;
        // moveToElement offsets are from the element's centre.
        int dx = (int) Math.round((x + 0.5) * scale - viewer.getSize().getWidth() / 2.0);
        int dy = (int) Math.round((y + 0.5) * scale - viewer.getSize().getHeight() / 2.0);
        new Actions(driver).moveToElement(viewer, dx, dy).perform();
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(ExpectedConditions.textMatches(By.id("pointer-readout"), java.util.regex.Pattern.compile("\\(\\d+, \\d+\\)")));
    }

    HttpResponse<String> admin(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + TOKEN);
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    byte[] apiPng(byte[] photo, List<String> classes) throws Exception {
        Multipart form = new Multipart().file("image", "chelsea.jpg", "image/jpeg", photo);
        classes.forEach(c -> form.field("classes", c));
        HttpResponse<byte[]> response = form.field("refine", "sams").post(port, "/v1/masks", "image/png");
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The first candidate class list whose label map (random demo weights) has foreground pixels. */
    List<String> classesWithPixels(byte[] photo) throws Exception {
        List<List<String>> candidates = List.of(List.of("bird", "cat"), List.of("boat", "train"), List.of("dog", "sofa"),
                List.of("aeroplane", "person"), List.of("bottle", "cow"));
        for (List<String> classes : candidates) {
            int[] labels = LabelMapPng.decode(apiPng(photo, classes), ImageLimits.defaults()).labels();
            if (java.util.Arrays.stream(labels).anyMatch(l -> l > 0)) {
                return classes;
            }
        }
        throw new AssertionError("no candidate class list labels any pixel of the photo");
    }

    /** Pixels of the label layer that are not the API's label map: transparent background, palette colour elsewhere. */
    static List<String> overlayMismatches(Canvas overlay, LabelMap expected, BufferedImage palette) {
        assertThat(overlay.width).isEqualTo(expected.width());
        assertThat(overlay.height).isEqualTo(expected.height());
        List<String> wrong = new ArrayList<>();
        int count = 0;
        for (int y = 0; y < expected.height(); y++) {
            for (int x = 0; x < expected.width(); x++) {
                int label = expected.at(x, y);
                boolean right = label == 0 ? overlay.alpha(x, y) == 0
                        : overlay.alpha(x, y) == 255 && overlay.rgb(x, y) == (palette.getRGB(x, y) & 0xffffff);
                if (!right && count++ < 20) {
                    wrong.add("(" + x + "," + y + ") class " + label);
                }
            }
        }
        if (count > wrong.size()) {
            wrong.add("... " + count + " pixels in all");
        }
        return wrong;
    }

    static int mostFrequentLabel(LabelMap map) {
        int[] counts = new int[256];
        for (int label : map.labels()) {
            counts[label]++;
        }
        int best = 1;
        for (int label = 1; label < counts.length; label++) {
            if (counts[label] > counts[best]) {
                best = label;
            }
        }
        return best;
    }

    static int[] firstPixelOf(LabelMap map, int label) {
        // A pixel whose 5x5 neighbourhood has the label only, so that rounding of the pointer position cannot matter.
        for (int y = 2; y < map.height() - 2; y++) {
            for (int x = 2; x < map.width() - 2; x++) {
                boolean uniform = true;
                for (int dy = -2; dy <= 2 && uniform; dy++) {
                    for (int dx = -2; dx <= 2 && uniform; dx++) {
                        uniform = map.at(x + dx, y + dy) == label;
                    }
                }
                if (uniform) {
                    return new int[] {x, y};
                }
            }
        }
        throw new AssertionError("class " + label + " has no 5x5 block");
    }

    Canvas labelLayer() {
        return canvas("label-layer");
    }

    Canvas canvas(String id) {
        @SuppressWarnings("unchecked")
        List<Object> result = (List<Object>) ((JavascriptExecutor) driver).executeScript("""
                const c = document.getElementById(arguments[0]);
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let s = '';
                for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000));
                return [c.width, c.height, btoa(s)];
                """, id);
        return new Canvas(((Number) result.get(0)).intValue(), ((Number) result.get(1)).intValue(),
                Base64.getDecoder().decode((String) result.get(2)));
    }

    void saveScreenshot(Path target) throws Exception {
        driver.manage().window().setSize(new Dimension(1280, 1500));
        ((JavascriptExecutor) driver).executeScript("window.scrollTo(0, 0)");
        byte[] png = driver.getScreenshotAs(OutputType.BYTES);
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, ".screenshot-", ".png");
        Files.write(temp, png);
        Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** RGBA pixels read back from a canvas. */
    record Canvas(int width, int height, byte[] rgba) {
        int alpha(int x, int y) {
            return rgba[(y * width + x) * 4 + 3] & 0xff;
        }

        int rgb(int x, int y) {
            int o = (y * width + x) * 4;
            return (rgba[o] & 0xff) << 16 | (rgba[o + 1] & 0xff) << 8 | (rgba[o + 2] & 0xff);
        }

        long opaquePixels() {
            long n = 0;
            for (int i = 3; i < rgba.length; i += 4) {
                if (rgba[i] != 0) {
                    n++;
                }
            }
            return n;
        }
    }
}
