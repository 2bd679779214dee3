package com.fmawsss.labeling.labelstudio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Task data values resolved as Label Studio's SDK resolves them. */
class LabelStudioUrlsTest {

    static final URI BASE = URI.create("http://ls.example.com:8080/prefix/");

    static URI remote(String value, Long task) {
        return ((LabelStudioUrls.Remote) LabelStudioUrls.resolve(value, task, BASE)).uri();
    }

    @Test
    void labelStudioPathsResolveAgainstTheBaseUrl() {
        assertThat(remote("/data/upload/3/abc-cat.jpg", 7L)).hasToString("http://ls.example.com:8080/prefix/data/upload/3/abc-cat.jpg");
        assertThat(remote("upload/3/abc-cat.jpg", 7L)).hasToString("http://ls.example.com:8080/prefix/data/upload/3/abc-cat.jpg");
        assertThat(remote("/data/local-files/?d=images/my cat.jpg", 7L))
                .hasToString("http://ls.example.com:8080/prefix/data/local-files/?d=images/my%20cat.jpg");
        assertThat(remote("/storage-data/uploaded/?filepath=upload/3/a.png", 7L))
                .hasToString("http://ls.example.com:8080/prefix/storage-data/uploaded/?filepath=upload/3/a.png");
        assertThat(remote("https://cdn.example.com/a.png?x=1", 7L)).hasToString("https://cdn.example.com/a.png?x=1");
    }

    @Test
    void cloudUrisGoThroughTheTaskPresignEndpoint() {
        URI uri = remote("s3://bucket/dir/a b.png", 42L);
        assertThat(uri.getPath()).isEqualTo("/prefix/tasks/42/presign/");
        String fileuri = uri.getRawQuery().substring("fileuri=".length());
        assertThat(new String(Base64.getUrlDecoder().decode(fileuri), StandardCharsets.UTF_8)).isEqualTo("s3://bucket/dir/a b.png");
        assertThat(remote("gs://b/x.jpg", 1L).getPath()).isEqualTo("/prefix/tasks/1/presign/");
        assertThat(remote("azure-blob://c/x.jpg", 1L).getPath()).isEqualTo("/prefix/tasks/1/presign/");
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
        assertThatThrownBy(() -> LabelStudioUrls.resolve("data:image/png,abc", 1L, BASE)).hasMessageContaining("base64");
        assertThatThrownBy(() -> LabelStudioUrls.resolve("", 1L, BASE)).hasMessageContaining("no image");
    }
}
