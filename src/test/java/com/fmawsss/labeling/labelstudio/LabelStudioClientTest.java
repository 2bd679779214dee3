package com.fmawsss.labeling.labelstudio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.security.GuardedHttpClient;
import com.fmawsss.security.OutboundPolicy;
import com.fmawsss.security.OutboundRequestException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Label Studio client against the fake built from Label Studio's code: uploads in the three
 * ways Label Studio serves them, cloud storage through the task resolve route (redirect and proxy),
 * task pages with stored data, and personal access tokens exchanged before they expire and again
 * after a 401.
 */
class LabelStudioClientTest {

    static final String KEY = "legacy-0123456789";
    static final byte[] IMAGE = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};

    FakeLabelStudio ls;
    GuardedHttpClient http;

    @BeforeEach
    void start() throws Exception {
        ls = FakeLabelStudio.start(KEY);
        // Only the Label Studio origin is trusted; the storage server is another origin on loopback.
        OutboundPolicy policy = new OutboundPolicy(List.of("localhost"), List.of(URI.create(ls.url())), true, false,
                OutboundPolicy.systemResolver());
        http = new GuardedHttpClient(policy, Duration.ofSeconds(2), Duration.ofSeconds(5), 3);
    }

    @AfterEach
    void stop() {
        ls.close();
    }

    LabelStudioClient client(String key, Clock clock) {
        URI base = URI.create(ls.url());
        return new LabelStudioClient(base, http, new LabelStudioAuth(base, key, http, clock), RateLimiter.NONE, 1_000_000);
    }

    List<String> lsPaths() {
        return ls.seen().stream().filter(s -> s.server().equals("ls")).map(FakeLabelStudio.Seen::path).toList();
    }

    @Test
    void uploadsAreFetchedAsEveryDeploymentServesThem() {
        ls.file("/data/upload/3/a.png", IMAGE);
        LabelStudioClient client = client(KEY, Clock.systemUTC());
        for (FakeLabelStudio.Uploads mode : FakeLabelStudio.Uploads.values()) {
            ls.uploads(mode);
            int before = lsPaths().size();
            for (String value : List.of("/data/upload/3/a.png", "upload/3/a.png", "/storage-data/uploaded/?filepath=upload/3/a.png")) {
                assertThat(client.image(value, 7L)).as(mode + " " + value).isEqualTo(IMAGE);
            }
            List<String> paths = lsPaths().subList(before, lsPaths().size());
            assertThat(paths).allMatch(p -> p.equals("/storage-data/uploaded/?filepath=upload/3/a.png") || p.equals("/data/upload/3/a.png"));
            // The proxy route first, /data/upload only after it failed (500) or answered nothing (X-Accel-Redirect).
            assertThat(paths.stream().filter(p -> p.startsWith("/data/upload")).count()).as(mode.name())
                    .isEqualTo(mode == FakeLabelStudio.Uploads.CLOUD_DIRECT ? 0 : 3);
        }
        ls.uploads(FakeLabelStudio.Uploads.CLOUD_WITHOUT_NGINX);
        assertThatThrownBy(() -> client.image("upload/3/missing.png", 7L)).isInstanceOf(OutboundRequestException.class)
                .hasMessageContaining("/storage-data/uploaded/?… answered HTTP 403").hasMessageContaining("/data/upload/3/missing.png answered HTTP 404");
    }

    @Test
    void anEmptyAnswerIsNeverAnImage() {
        ls.file("/data/avatars/a.png", IMAGE);
        ls.uploads(FakeLabelStudio.Uploads.CLOUD_WITHOUT_NGINX);
        LabelStudioClient client = client(KEY, Clock.systemUTC());
        // A file outside the uploads has no /data/upload fallback: the empty 200 is a failure that names the nginx hand-off.
        assertThatThrownBy(() -> client.image("/storage-data/uploaded/?filepath=avatars/a.png", 7L))
                .isInstanceOf(OutboundRequestException.class).hasMessageContaining("without a body", "X-Accel-Redirect");
    }

    @Test
    void cloudUrisAreFetchedThroughTheTaskResolveRoute() {
        ls.project(4, "<View/>");
        ls.task(4, 41, Map.of("image", "s3://photos/cats/a b.png"));
        ls.task(4, 42, Map.of("image", "gs://proxied/x.png"));
        ls.storage(4, "s3://photos", true);
        ls.storage(4, "gs://proxied", false);
        ls.cloud("s3://photos/cats/a b.png", IMAGE);
        ls.cloud("gs://proxied/x.png", new byte[] {9, 8, 7});
        LabelStudioClient client = client(KEY, Clock.systemUTC());
        assertThat(client.image("s3://photos/cats/a b.png", 41L)).isEqualTo(IMAGE);
        assertThat(client.image("gs://proxied/x.png", 42L)).containsExactly(9, 8, 7);
        assertThat(lsPaths()).anyMatch(p -> p.startsWith("/tasks/41/resolve/?fileuri=")).noneMatch(p -> p.contains("/presign/"));
        // The storage got the presigned request without the key.
        assertThat(ls.seen().stream().filter(s -> s.server().equals("storage"))).hasSize(1)
                .allSatisfy(s -> assertThat(s.authorization()).isNull());
        // No storage of the project holds it: Label Studio answers 404 on both routes.
        assertThatThrownBy(() -> client.image("s3://other/a.png", 41L)).hasMessageContaining("/tasks/41/resolve/?… answered HTTP 404")
                .hasMessageContaining("/tasks/41/presign/?… answered HTTP 404");
    }

    @Test
    void taskPagesCarryStoredDataAndPredictionCountsOnly() {
        ls.project(4, "<View/>");
        ls.storage(4, "s3://photos", true);
        ls.uploads(FakeLabelStudio.Uploads.CLOUD_WITHOUT_NGINX);
        ls.task(4, 41, Map.of("image", "s3://photos/a.png"));
        ls.task(4, 42, Map.of("image", "upload/4/b.png"), "v1", "v2");
        LabelStudioClient client = client(KEY, Clock.systemUTC()).forJob(RateLimiter.NONE,
                new LabelStudioAuth(URI.create(ls.url()), KEY, http, Clock.systemUTC()), Duration.ofSeconds(30));
        LabelStudioClient.TaskPage page = client.tasks(4, 1, 10);
        assertThat(page.total()).isEqualTo(2);
        assertThat(page.tasks()).extracting(t -> t.dataValue("image")).containsExactly("s3://photos/a.png", "upload/4/b.png");
        assertThat(page.tasks()).extracting(LabelStudioTask::totalPredictions).containsExactly(0, 2);
        assertThat(lsPaths()).anyMatch(p -> p.contains("fields=task_only") && p.contains("resolve_uri=false"))
                .noneMatch(p -> p.contains("fields=all"));
        assertThat(client.predictionVersions(42)).containsExactlyInAnyOrder("v1", "v2");
        assertThat(client.predictionVersions(41)).isEmpty();
        assertThat(client.tasks(4, 2, 10).tasks()).isEmpty();
    }

    @Test
    void personalAccessTokensAreExchangedBeforeTheyExpireAndAfterA401() {
        ls.file("/data/upload/3/a.png", IMAGE);
        String pat = ls.personalAccessToken();
        LabelStudioClient client = client(pat, ls.clock());
        assertThat(client.image("/data/upload/3/a.png", 1L)).isEqualTo(IMAGE);
        assertThat(ls.refreshes()).isEqualTo(1);
        assertThat(ls.seen()).filteredOn(s -> !s.path().startsWith("/api/token"))
                .allSatisfy(s -> assertThat(s.authorization()).startsWith("Bearer ").isNotEqualTo("Bearer " + pat));
        assertThat(client.image("/data/upload/3/a.png", 1L)).isEqualTo(IMAGE);
        assertThat(ls.refreshes()).as("the access token is reused while valid").isEqualTo(1);

        // 4:40 later the 5-minute token is about to expire: exchanged again before it is used.
        ls.advance(Duration.ofSeconds(280));
        int unauthorizedBefore = ls.unauthorized();
        LabelStudioAuth auth = new LabelStudioAuth(URI.create(ls.url()), pat, http, ls.clock());
        LabelStudioClient fresh = new LabelStudioClient(URI.create(ls.url()), http, auth, RateLimiter.NONE, 1_000_000);
        assertThat(fresh.image("/data/upload/3/a.png", 1L)).isEqualTo(IMAGE);
        int issued = ls.refreshes();
        ls.advance(Duration.ofSeconds(280));
        assertThat(fresh.image("/data/upload/3/a.png", 1L)).isEqualTo(IMAGE);
        assertThat(ls.refreshes()).isEqualTo(issued + 1);
        assertThat(ls.unauthorized()).isEqualTo(unauthorizedBefore);

        // Refused anyway (revoked, clocks apart): exchanged again and the request repeated once.
        ls.revokeAccessTokens();
        assertThat(fresh.image("/data/upload/3/a.png", 1L)).isEqualTo(IMAGE);
        assertThat(ls.refreshes()).isEqualTo(issued + 2);
        assertThat(ls.unauthorized()).isEqualTo(unauthorizedBefore + 1);
        // The refresh call itself never carries a credential.
        assertThat(ls.seen()).filteredOn(s -> s.path().startsWith("/api/token/refresh/")).allSatisfy(s -> assertThat(s.authorization()).isNull());
    }

    @Test
    void aRevokedPersonalAccessTokenIsAClearError() {
        ls.file("/data/upload/3/a.png", IMAGE);
        String pat = ls.personalAccessToken();
        LabelStudioClient client = client(pat.substring(0, pat.lastIndexOf('.')) + ".Zm9yZ2Vk", ls.clock());
        // A 401 to the refresh is final: the pre-annotation job fails at once instead of waiting it out.
        assertThatThrownBy(() -> client.image("/data/upload/3/a.png", 1L)).hasMessageContaining("refused to refresh the personal access token")
                .isInstanceOfSatisfying(OutboundRequestException.class, e -> assertThat(e.isTransient()).isFalse());
    }

    @Test
    void legacyTokensAreSentAsTheyAre() {
        ls.file("/data/upload/3/a.png", IMAGE);
        assertThat(client(KEY, Clock.systemUTC()).image("/data/upload/3/a.png", 1L)).isEqualTo(IMAGE);
        assertThat(ls.refreshes()).isZero();
        assertThat(ls.seen()).allSatisfy(s -> assertThat(s.authorization()).isEqualTo("Token " + KEY));
    }
}
