package com.fmawsss.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.HttpStatus;

/** Path confinement with real directories and symbolic links. */
class DataRootsTest {

    @TempDir Path tmp;
    Path root;
    Path second;
    Path outside;
    DataRoots roots;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectories(tmp.resolve("data"));
        second = Files.createDirectories(tmp.resolve("more"));
        outside = Files.createDirectories(tmp.resolve("secret"));
        Files.createDirectories(root.resolve("voc/JPEGImages"));
        roots = new DataRoots(List.of(root, second));
    }

    static void assertInvalid(DataRoots roots, String path) {
        assertThatThrownBy(() -> roots.resolve(path)).as(path).isInstanceOfSatisfying(PathConfinementException.class, e -> {
            assertThat(e.status()).isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);
            assertThat(e.slug()).isEqualTo(PathConfinementException.INVALID_PATH);
        });
    }

    static void assertNotAllowed(DataRoots roots, String path) {
        assertThatThrownBy(() -> roots.resolve(path)).as(path).isInstanceOfSatisfying(PathConfinementException.class, e -> {
            assertThat(e.status()).isEqualTo(HttpStatus.FORBIDDEN);
            assertThat(e.slug()).isEqualTo(PathConfinementException.PATH_NOT_ALLOWED);
        });
    }

    @Test
    void relativePathsResolveUnderTheFirstRoot() throws Exception {
        assertThat(roots.resolve("voc/JPEGImages")).isEqualTo(root.resolve("voc/JPEGImages").toRealPath());
        assertThat(roots.resolve("./voc")).isEqualTo(root.resolve("voc").toRealPath());
    }

    @Test
    void absolutePathsUnderAnyRootAreAccepted() throws Exception {
        assertThat(roots.resolve(root.resolve("voc").toString())).isEqualTo(root.resolve("voc").toRealPath());
        assertThat(roots.resolve(second.toString())).isEqualTo(second.toRealPath());
    }

    @Test
    void missingTailsAreAppendedToTheRealPrefix() throws Exception {
        assertThat(roots.resolve("outputs/run-1/seeds")).isEqualTo(root.toRealPath().resolve("outputs/run-1/seeds"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "..", "../secret", "voc/../../secret", "voc/..", "voc\\..\\..\\secret", "%2e%2e/secret", "%2E%2E%2Fsecret",
        "voc/%2e%2e/%2e%2e/secret", "%252e%252e/secret", "%25252e%25252e/secret", "..%2fsecret", "\uFF0E\uFF0E/secret",
        "voc/ .. /x", "", "   "
    })
    void traversalAndEmptyPathsAreInvalid(String path) {
        assertInvalid(roots, path);
    }

    @Test
    void traversalInAbsolutePathsIsInvalidEvenWhenItStaysInside() {
        assertInvalid(roots, root + "/voc/../voc");
        assertInvalid(roots, root + "/../secret");
    }

    @Test
    void nulCharactersAreInvalid() {
        assertInvalid(roots, "voc\0/x");
        assertInvalid(roots, "voc%00/x");
    }

    @Test
    void absolutePathsOutsideTheRootsAreNotAllowed() {
        assertNotAllowed(roots, outside.toString());
        assertNotAllowed(roots, "/etc/passwd");
        // Component-wise prefix: "data2" is not under "data".
        assertNotAllowed(roots, tmp.resolve("data2/x").toString());
        assertNotAllowed(roots, tmp.toString());
    }

    @Test
    void symlinkToOutsideIsNotAllowed() throws Exception {
        Files.createSymbolicLink(root.resolve("escape"), outside);
        Files.writeString(outside.resolve("key"), "x");
        assertNotAllowed(roots, "escape");
        assertNotAllowed(roots, "escape/key");
        assertNotAllowed(roots, "escape/not/yet/created");
        assertNotAllowed(roots, root.resolve("escape/key").toString());
    }

    @Test
    void symlinkedFileOutsideIsNotAllowed() throws Exception {
        Path target = Files.writeString(outside.resolve("passwd"), "x");
        Files.createSymbolicLink(root.resolve("voc/list.txt"), target);
        assertNotAllowed(roots, "voc/list.txt");
    }

    @Test
    void danglingSymlinksAreNotAllowed() throws Exception {
        // Writing through it would create a file wherever it points.
        Files.createSymbolicLink(root.resolve("dangling"), outside.resolve("will-be-created"));
        assertNotAllowed(roots, "dangling");
        assertNotAllowed(roots, "dangling/child");
    }

    @Test
    void symlinksThatStayInsideTheRootsAreResolved() throws Exception {
        Files.createSymbolicLink(root.resolve("images"), root.resolve("voc/JPEGImages"));
        Files.createSymbolicLink(root.resolve("other"), second);
        assertThat(roots.resolve("images")).isEqualTo(root.resolve("voc/JPEGImages").toRealPath());
        assertThat(roots.resolve("other/x")).isEqualTo(second.toRealPath().resolve("x"));
    }

    @Test
    void aRootThatIsItselfASymlinkWorks() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("data-link"), root);
        DataRoots linked = new DataRoots(List.of(link));
        assertThat(linked.resolve("voc")).isEqualTo(root.resolve("voc").toRealPath());
        assertNotAllowed(linked, outside.toString());
    }

    @Test
    void withoutRootsNothingIsAllowed() {
        assertNotAllowed(new DataRoots(List.of()), "voc");
    }

    @Test
    void percentDecodingIsRepeatedAndLeavesMalformedEscapes() {
        assertThat(DataRoots.percentDecode("%252e%252E")).isEqualTo("..");
        assertThat(DataRoots.percentDecode("100%")).isEqualTo("100%");
        assertThat(DataRoots.percentDecode("a%zzb%4")).isEqualTo("a%zzb%4");
        assertThat(DataRoots.percentDecode("caf%C3%A9")).isEqualTo("caf\u00e9");
    }

    @Test
    void namesThatOnlyLookLikeEncodingAreKeptLiterally() throws Exception {
        assertThat(roots.resolve("100%/x")).isEqualTo(root.toRealPath().resolve("100%/x"));
        assertThat(roots.resolve("a..b/c...")).isEqualTo(root.toRealPath().resolve("a..b/c..."));
    }
}
