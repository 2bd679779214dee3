package com.fmawsss.labeling.labelstudio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.prompts.Vocabulary;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The label mapping table: predicted_values first, then exact, then case-insensitive name; nothing guessed. */
class LabelMappingTest {

    static final String CONFIG = """
            <View>
              <Image name="image" value="$image"/>
              <BrushLabels name="tag" toName="image">
                <Label value="Airplane" background="green"/>
                <Label value="Car" predicted_values="car, bus, truck"/>
                <Label value="Kitty" predicted_values="Cat"/>
                <Label value="dog"/>
                <Label value="Person" predicted_values="pedestrian"/>
                <Label value="Horse" predicted_values="sheep"/>
                <Label value="Sheep"/>
                <Label value="Red kite"/>
                <Label value="Motorbike" predicted_values=" "/>
              </BrushLabels>
            </View>
            """;

    static List<LabelConfig.LabelTag> labels() {
        return LabelConfig.parse(CONFIG).target().orElseThrow().control().labels();
    }

    @Test
    void vocabularyOnly() {
        LabelMapping mapping = LabelMapping.of(labels(), Vocabulary.voc(), false, 20, 100);
        assertThat(mapping.mapped()).extracting(m -> m.label() + "=" + m.className() + ":" + m.rule()).containsExactly(
                "Car=car:PREDICTED_VALUES",
                "Car=bus:PREDICTED_VALUES",
                "Kitty=cat:PREDICTED_VALUES_CASE_INSENSITIVE",
                "dog=dog:EXACT",
                "Person=person:CASE_INSENSITIVE",
                "Horse=sheep:PREDICTED_VALUES",
                "Motorbike=motorbike:CASE_INSENSITIVE");
        // VOC spells it "aeroplane": "Airplane" needs predicted_values="aeroplane" (or free text).
        assertThat(mapping.unmapped()).extracting(LabelMapping.Unmapped::label).containsExactly("Airplane", "Sheep", "Red kite");
        assertThat(mapping.unmapped().get(0).reason()).contains("not a class of vocabulary 'voc'");
        assertThat(mapping.unmapped().get(1).reason()).contains("already predicted for label 'Horse'");
        assertThat(mapping.unmapped().get(2).reason()).contains("not a class of vocabulary 'voc'");
        assertThat(mapping.classOf("Car")).isEmpty();
        assertThat(mapping.classOf("Kitty")).contains("cat");
        assertThat(mapping.labelOf("bus")).isEqualTo("Car");
    }


    @Test
    void freeTextUsesUnknownNamesAsTheyAre() {
        LabelMapping mapping = LabelMapping.of(labels(), Vocabulary.voc(), true, 20, 100);
        assertThat(mapping.mapped()).extracting(m -> m.label() + "=" + m.className() + ":" + m.rule()).containsExactly(
                "Airplane=Airplane:FREE_TEXT",
                "Car=car:PREDICTED_VALUES",
                "Car=bus:PREDICTED_VALUES",
                "Car=truck:FREE_TEXT",
                "Kitty=cat:PREDICTED_VALUES_CASE_INSENSITIVE",
                "dog=dog:EXACT",
                "Person=pedestrian:FREE_TEXT",
                "Horse=sheep:PREDICTED_VALUES",
                "Red kite=Red kite:FREE_TEXT",
                "Motorbike=motorbike:CASE_INSENSITIVE");
        assertThat(mapping.unmapped()).extracting(LabelMapping.Unmapped::label).containsExactly("Sheep");
        assertThat(mapping.classNames()).hasSize(10).doesNotHaveDuplicates();
    }

    @Test
    void classLimitAndNameLengthAreReportedNotTruncatedSilently() {
        LabelMapping mapping = LabelMapping.of(labels(), Vocabulary.voc(), true, 3, 100);
        assertThat(mapping.classNames()).containsExactly("Airplane", "car", "bus");
        assertThat(mapping.unmapped()).extracting(LabelMapping.Unmapped::label).contains("Kitty", "dog", "Red kite");
        assertThat(mapping.unmapped()).allSatisfy(u -> assertThat(u.reason()).containsAnyOf("more than 3 classes", "already"));
        LabelMapping shortNames = LabelMapping.of(labels(), Vocabulary.voc(), true, 20, 5);
        assertThat(shortNames.unmapped()).extracting(LabelMapping.Unmapped::label).contains("Airplane", "Red kite");
    }

    @Test
    void readingAnnotationsBackLetsSeveralLabelsMeanOneClass() {
        java.util.Map<String, String> classes = new java.util.LinkedHashMap<>();
        for (LabelConfig.LabelTag tag : labels()) {
            classes.put(tag.value(), LabelMapping.readBackClass(tag, Vocabulary.voc()).orElse("-"));
        }
        // "Car" names two vocabulary classes (car, bus): ambiguous. "Sheep" and "Horse" both mean sheep.
        assertThat(classes).containsExactly(java.util.Map.entry("Airplane", "-"), java.util.Map.entry("Car", "-"),
                java.util.Map.entry("Kitty", "cat"), java.util.Map.entry("dog", "dog"), java.util.Map.entry("Person", "person"),
                java.util.Map.entry("Horse", "sheep"), java.util.Map.entry("Sheep", "sheep"), java.util.Map.entry("Red kite", "-"),
                java.util.Map.entry("Motorbike", "motorbike"));
    }
}
