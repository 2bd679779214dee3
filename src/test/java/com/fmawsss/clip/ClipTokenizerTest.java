package com.fmawsss.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.DemoBundleFixture;
import com.fmawsss.PythonReference;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.prompts.PromptLayout;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptSetFactory;
import com.fmawsss.prompts.Vocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ClipTokenizerTest {

    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void load() {
        ModelBundle bundle = DemoBundleFixture.bundle();
        tokenizer = new ClipTokenizer(bundle.tokenizer(), 49406, 49407, 77);
    }

    @Test
    void matchesTheReferenceBpeIncludingTruncation(@TempDir Path dir) throws Exception {
        List<String> texts = List.of(
                "a clean origami person with clothes,people,human.",
                "a clean origami tvmonitor screen.",
                "X X X X X X X X X X X X X X X X bird avian.",
                "X X X X X X X X X X X X X X X X .",
                "Hello, World!! it's 2024 & café naïve",
                "a clean origami hairdrier,blowdrier.",
                "",
                "word ".repeat(120));
        JsonMapper json = JsonMapper.builder().build();
        Files.writeString(dir.resolve("in.json"), json.writeValueAsString(texts));
        PythonReference.run("models/reference/tokenize_reference.py", dir.resolve("in.json").toString(), dir.resolve("out.json").toString());
        JsonNode expected = json.readTree(dir.resolve("out.json").toFile());
        for (int i = 0; i < texts.size(); i++) {
            long[] ids = new long[77];
            for (int j = 0; j < 77; j++) {
                ids[j] = expected.get(i).get(j).asLong();
            }
            ClipTokenizer.Tokens tokens = tokenizer.tokenize(texts.get(i));
            assertThat(tokens.ids()).as("ids of %s", texts.get(i)).containsExactly(ids);
            assertThat(tokens.eotPosition()).isEqualTo(argmax(ids));
        }
    }

    @Test
    void learnedPromptsPlaceContextAndLabelTokens() {
        PromptBuilder builder = new PromptBuilder(tokenizer);
        PromptSet seg = PromptSetFactory.segmentation("s", Vocabulary.voc(), PromptLayout.VOC, 16, 16, 0);
        List<TextPrompt> prompts = builder.build(PromptSelection.of(seg, List.of("person")));
        assertThat(prompts).hasSize(1 + 25);
        TextPrompt person = prompts.get(0);
        long x = tokenizer.encode("X")[0];
        long[] label = tokenizer.encode("person with clothes,people,human");
        assertThat(person.labelFirst()).isTrue();
        assertThat(person.labelTokens()).isEqualTo(label.length);
        assertThat(person.context()).isEqualTo(new TextPrompt.ContextRef(PromptSet.FOREGROUND, 14));
        long[] ids = person.tokens().ids();
        for (int i = 1; i <= 16; i++) {
            assertThat(ids[i]).isEqualTo(x);
        }
        assertThat(java.util.Arrays.copyOfRange(ids, 17, 17 + label.length)).containsExactly(label);
        assertThat(person.tokens().eotPosition()).isEqualTo(17 + label.length + 1);
        TextPrompt ground = prompts.get(1);
        assertThat(ground.labelFirst()).isFalse();
        assertThat(ground.labelTokens()).isZero();
        assertThat(ground.context()).isEqualTo(new TextPrompt.ContextRef(PromptSet.BACKGROUND, 0));
        assertThat(ground.tokens().eotPosition()).isEqualTo(18); // SOS, 16 x X, ".", EOS
        PromptSet cls = PromptSetFactory.classification("c", Vocabulary.voc(), 16, 16, 0);
        TextPrompt bird = builder.build(PromptSelection.of(cls, List.of("bird"))).get(0);
        assertThat(bird.context()).isEqualTo(new TextPrompt.ContextRef(PromptSet.SHARED, -1));
        assertThat(bird.labelFirst()).isFalse();
    }

    @Test
    void selectionResolvesNamesAndRejectsUnknownOnes() {
        PromptSet manual = PromptSet.manual(Vocabulary.voc());
        PromptSelection sel = PromptSelection.of(manual, List.of(" Person", "red kite"));
        assertThat(sel.classes()).containsExactly(
                new SelectedClass("person", "person with clothes,people,human", 14), new SelectedClass("red kite", "red kite", -1));
        PromptSet learned = PromptSetFactory.classification("c", Vocabulary.voc(), 16, 16, 0);
        assertThatThrownBy(() -> PromptSelection.of(learned, List.of("dog", "unicorn", "kraken")))
                .isInstanceOf(UnknownClassException.class)
                .hasMessageContaining("[unicorn, kraken]");
        assertThatThrownBy(() -> PromptSelection.of(manual, List.of("dog", "DOG"))).hasMessageContaining("twice");
        assertThatThrownBy(() -> PromptSelection.of(manual, List.of(" "))).hasMessageContaining("blank");
        assertThatThrownBy(() -> PromptSelection.of(manual, List.of())).hasMessageContaining("at least one");
    }

    private static int argmax(long[] ids) {
        int best = 0;
        for (int i = 1; i < ids.length; i++) {
            if (ids[i] > ids[best]) {
                best = i;
            }
        }
        return best;
    }
}
