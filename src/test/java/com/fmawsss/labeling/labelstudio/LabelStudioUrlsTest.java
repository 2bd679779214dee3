package com.fmawsss.labeling.labelstudio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Task data values resolved as Label Studio's SDK resolves them. */
class LabelStudioUrlsTest {

    static final URI BASE = URI.create("http://ls.example.com:8080/prefix/");

    static URI remote(String value, Long task) {
        return ((LabelStudioUrls.Remote) LabelStudioUrls.resolve(value, task, BASE)).uri();
    }

    static List<String> tried(String value, Long task) {
        return ((LabelStudioUrls.Remote) LabelStudioUrls.resolve(value, task, BASE)).uris().stream().map(URI::toString).toList();
    }

    static final String LS = "http://ls.example.com:8080/prefix";

    @Test
    void uploadsGoThroughTheStorageProxyFirstThenDataUpload() {
        List<String> upload = List.of(LS + "/storage-data/uploaded/?filepath=upload/3/abc-cat.jpg", LS + "/data/upload/3/abc-cat.jpg");
        assertThat(tried("/data/upload/3/abc-cat.jpg", 7L)).isEqualTo(upload);
        assertThat(tried("upload/3/abc-cat.jpg", 7L)).isEqualTo(upload);
        assertThat(tried("/upload/3/abc-cat.jpg", 7L)).isEqualTo(upload);
        assertThat(tried("/storage-data/uploaded/?filepath=upload/3/abc-cat.jpg", 7L))
                .containsExactly(LS + "/storage-data/uploaded/?filepath=upload/3/abc-cat.jpg", LS + "/data/upload/3/abc-cat.jpg");
        // Storage keys are query values: reserved characters are escaped, slashes kept.
        assertThat(tried("upload/3/a b&c+d.jpg", 7L).getFirst())
                .isEqualTo(LS + "/storage-data/uploaded/?filepath=upload/3/a%20b%26c%2Bd.jpg");
        // An absolute link on the Label Studio origin (its HOSTNAME set) is the same route.
        assertThat(tried("http://ls.example.com:8080/prefix/storage-data/uploaded/?filepath=upload/3/a.png", 7L))
                .containsExactly(LS + "/storage-data/uploaded/?filepath=upload/3/a.png", LS + "/data/upload/3/a.png");
        assertThat(tried("/storage-data/uploaded/?filepath=avatars/a.png", 7L))
                .containsExactly(LS + "/storage-data/uploaded/?filepath=avatars/a.png");
    }

    @Test
    void otherLabelStudioPathsResolveAgainstTheBaseUrl() {
        assertThat(tried("/data/local-files/?d=images/my cat.jpg", 7L))
                .containsExactly(LS + "/data/local-files/?d=images/my%20cat.jpg");
        assertThat(tried("/tasks/7/resolve/?fileuri=czM6Ly9iL3gucG5n", 7L)).containsExactly(LS + "/tasks/7/resolve/?fileuri=czM6Ly9iL3gucG5n");
        assertThat(tried("/tasks/7/presign/?fileuri=czM6Ly9iL3gucG5n", 7L)).containsExactly(LS + "/tasks/7/presign/?fileuri=czM6Ly9iL3gucG5n");
        assertThat(tried("http://ls.example.com:8080/prefix/tasks/7/resolve/?fileuri=czM6Ly9iL3gucG5n", 7L))
                .containsExactly(LS + "/tasks/7/resolve/?fileuri=czM6Ly9iL3gucG5n");
        assertThat(tried("https://cdn.example.com/a.png?x=1", 7L)).containsExactly("https://cdn.example.com/a.png?x=1");
        // The same path on another origin is that origin's file, not Label Studio's.
        assertThat(tried("https://cdn.example.com/data/upload/3/a.png", 7L)).containsExactly("https://cdn.example.com/data/upload/3/a.png");
        assertThat(tried("http://ls.example.com:8080/elsewhere/data/upload/3/a.png", 7L))
                .containsExactly("http://ls.example.com:8080/elsewhere/data/upload/3/a.png");
    }

    @Test
    void cloudUrisGoThroughTheTaskResolveEndpointThenPresign() {
        List<String> uris = tried("s3://bucket/dir/a b.png", 42L);
        assertThat(uris).hasSize(2);
        assertThat(URI.create(uris.get(0)).getPath()).isEqualTo("/prefix/tasks/42/resolve/");
        assertThat(URI.create(uris.get(1)).getPath()).isEqualTo("/prefix/tasks/42/presign/");
        String fileuri = URI.create(uris.get(0)).getRawQuery().substring("fileuri=".length());
        // Label Studio's own encoding (io_storages/base_models.py): URL-safe base64 with its padding.
        assertThat(fileuri).isEqualTo(Base64.getUrlEncoder().encodeToString("s3://bucket/dir/a b.png".getBytes(StandardCharsets.UTF_8)));
        assertThat(tried("s3://my-bucket/images/cat 1.jpg", 1L).getFirst()).endsWith("?fileuri=czM6Ly9teS1idWNrZXQvaW1hZ2VzL2NhdCAxLmpwZw==");
        assertThat(tried("gs://b/x.png", 1L).getFirst()).isEqualTo(LS + "/tasks/1/resolve/?fileuri=Z3M6Ly9iL3gucG5n");
        assertThat(remote("azure-blob://c/x.jpg", 1L).getPath()).isEqualTo("/prefix/tasks/1/resolve/");
        assertThatThrownBy(() -> LabelStudioUrls.resolve("s3://bucket/a.png", null, BASE)).hasMessageContaining("task id");
    }

    @Test
    void inlineDataAndRefusals() {
        byte[] bytes = {1, 2, 3};
        LabelStudioUrls.Source inline = LabelStudioUrls.resolve("data:image/png;base64," + Base64.getEncoder().encodeToString(bytes), 1L, BASE);
        assertThat(((LabelStudioUrls.Inline) inline).bytes()).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> LabelStudioUrls.resolve("/data/upload/1/a.png", 1L, null)).hasMessageContaining("LABEL_STUDIO_URL");
        assertThatThrownBy(() -> LabelStudioUrls.resolve("file:///etc/passwd", 1L, BASE)).hasMessageContaining("neither");
        assertThatThrownBy(() -> LabelStudioUrls.resolve("/etc/passwd", 1L, BASE)).hasMessageContaining("neither");
        assertThatThrownBy(() -> LabelStudioUrls.resolve("/data/../api/users", 1L, BASE)).hasMessageContaining("..");
        assertThatThrownBy(() -> LabelStudioUrls.resolve("/data/%2e%2e/api/users", 1L, BASE)).hasMessageContaining("..");
        assertThatThrownBy(() -> LabelStudioUrls.resolve("/tasks/1/../api/users", 1L, BASE)).hasMessageContaining("neither");
        assertThatThrownBy(() -> LabelStudioUrls.resolve("http://ls.example.com:8080/prefix/data/../api/users", 1L, BASE))
                .hasMessageContaining("..");
        assertThatThrownBy(() -> LabelStudioUrls.resolve("data:image/png,abc", 1L, BASE)).hasMessageContaining("base64");
        assertThatThrownBy(() -> LabelStudioUrls.resolve("", 1L, BASE)).hasMessageContaining("no image");
    }
}
