package com.fmawsss.labeling.labelstudio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelConfigTest {

    @Test
    void brushLabelsBoundToAnImageWinOverPolygonsAndOtherControls() {
        LabelConfig config = LabelConfig.parse("""
                <View>
                  <Header value="Segment"/>
                  <Image name="img" value="$image_url" zoom="true"/>
                  <Text name="text" value="$caption"/>
                  <Choices name="quality" toName="img"><Choice value="ok"/></Choices>
                  <PolygonLabels name="poly" toName="img"><Label value="Cat"/></PolygonLabels>
                  <BrushLabels name="unbound" toName="text"><Label value="Dog"/></BrushLabels>
                  <View><brushlabels name="brush" toName="other,img"><Label value="Cat" predicted_values="cat,  kitten "/></brushlabels></View>
                </View>
                """);
        LabelConfig.Target target = config.target().orElseThrow();
        assertThat(target.control().name()).isEqualTo("brush");
        assertThat(target.control().type()).isEqualTo(LabelConfig.ControlType.BRUSH_LABELS);
        assertThat(target.imageName()).isEqualTo("img");
        assertThat(target.dataKey()).isEqualTo("image_url");
        assertThat(target.control().labels()).containsExactly(new LabelConfig.LabelTag("Cat", java.util.List.of("cat", "kitten")));
    }

    @Test
    void polygonLabelsWhenNoBrush() {
        LabelConfig config = LabelConfig.parse("<View><Image name=\"image\" value=\"$image\"/>"
                + "<PolygonLabels name=\"label\" toName=\"image\"><Label value=\"Car\"/></PolygonLabels></View>");
        assertThat(config.target().orElseThrow().control().type()).isEqualTo(LabelConfig.ControlType.POLYGON_LABELS);
        assertThat(LabelConfig.parse("<View><Image name=\"image\" value=\"$image\"/>"
                + "<RectangleLabels name=\"label\" toName=\"image\"><Label value=\"Car\"/></RectangleLabels></View>").target()).isEmpty();
    }

    @Test
    void entitiesAndMalformedXmlAreRefused(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "TOP-SECRET");
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE v [<!ENTITY s SYSTEM \"" + secret.toUri() + "\">]>"
                + "<View><Image name=\"image\" value=\"$image\"/><BrushLabels name=\"b\" toName=\"image\">"
                + "<Label value=\"&s;\"/></BrushLabels></View>";
        assertThatThrownBy(() -> LabelConfig.parse(xxe)).isInstanceOf(LabelConfigException.class)
                .hasMessageNotContaining("TOP-SECRET");
        assertThatThrownBy(() -> LabelConfig.parse("<View><Image name=\"a\"></View>")).isInstanceOf(LabelConfigException.class)
                .hasMessageContaining("not well-formed");
        assertThatThrownBy(() -> LabelConfig.parse(" ")).isInstanceOf(LabelConfigException.class);
        assertThatThrownBy(() -> LabelConfig.parse("<View>" + "x".repeat(LabelConfig.MAX_LENGTH) + "</View>"))
                .isInstanceOf(LabelConfigException.class).hasMessageContaining("longer");
    }
}
