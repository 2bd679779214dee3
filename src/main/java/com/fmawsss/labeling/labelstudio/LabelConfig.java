package com.fmawsss.labeling.labelstudio;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import java.util.Collections;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * The parts of a Label Studio labeling configuration this service answers: {@code Image} objects
 * and the {@code BrushLabels} / {@code PolygonLabels} controls bound to them (through {@code
 * toName}), with their {@code Label} children. Parsed with DOCTYPEs refused, so no entity or
 * external DTD is ever resolved. Tag names are matched case-insensitively, as Label Studio does.
 *
 * @param images image objects by name: the task data key each one reads ({@code $image} reads key
 *     {@code image}), or the literal value when it is not a variable
 * @param controls segmentation controls in document order
 */
public record LabelConfig(Map<String, String> images, List<Control> controls) {

    /** Longest accepted configuration, in characters. */
    public static final int MAX_LENGTH = 1_000_000;

    /** Copies the collections. */
    public LabelConfig {
        images = Collections.unmodifiableMap(new LinkedHashMap<>(images));
        controls = List.copyOf(controls);
    }

    /** The control types the service can answer, with the result type Label Studio expects. */
    public enum ControlType {
        /** Brush masks, answered with RLE. */
        BRUSH_LABELS("brushlabels"),
        /** Polygons, answered in percent coordinates. */
        POLYGON_LABELS("polygonlabels");

        private final String resultType;

        ControlType(String resultType) {
            this.resultType = resultType;
        }

        /**
         * The {@code type} of result items (and the value key of their labels).
         *
         * @return {@code brushlabels} or {@code polygonlabels}
         */
        public String resultType() {
            return resultType;
        }
    }

    /**
     * A {@code <Label>} of a control.
     *
     * @param value the label text (what results carry)
     * @param predictedValues the comma-separated {@code predicted_values} attribute, split and stripped
     */
    public record LabelTag(String value, List<String> predictedValues) {
        /** Copies the list. */
        public LabelTag {
            predictedValues = List.copyOf(predictedValues);
        }
    }

    /**
     * A segmentation control.
     *
     * @param type brush or polygon labels
     * @param name its {@code name} (the {@code from_name} of results)
     * @param toNames the object names of its {@code toName}
     * @param labels its labels in document order
     */
    public record Control(ControlType type, String name, List<String> toNames, List<LabelTag> labels) {
        /** Copies the lists. */
        public Control {
            toNames = List.copyOf(toNames);
            labels = List.copyOf(labels);
        }
    }

    /**
     * The control the service answers, with the image it is bound to.
     *
     * @param imageName the {@code to_name} of results
     * @param dataKey the task data key holding the image URL
     */
    public record Target(Control control, String imageName, String dataKey) {}

    /**
     * The first {@code BrushLabels} control bound to an {@code Image}, else the first such {@code
     * PolygonLabels}.
     *
     * @return the target, if the configuration has one
     */
    public Optional<Target> target() {
        return target(null);
    }

    /**
     * As {@link #target()}, among the controls bound to one image.
     *
     * @param imageName the {@code Image}'s name, or {@code null} for any image
     */
    public Optional<Target> target(String imageName) {
        for (ControlType type : ControlType.values()) {
            for (Control control : controls) {
                if (control.type() != type) {
                    continue;
                }
                for (String toName : control.toNames()) {
                    if (images.containsKey(toName) && (imageName == null || imageName.equals(toName))) {
                        return Optional.of(new Target(control, toName, images.get(toName)));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Parses a configuration.
     *
     * @param xml the {@code label_config}
     * @return the relevant parts
     * @throws LabelConfigException when it is missing, too long or not well-formed XML
     */
    public static LabelConfig parse(String xml) {
        if (xml == null || xml.isBlank()) {
            throw new LabelConfigException("the label config is empty");
        }
        if (xml.length() > MAX_LENGTH) {
            throw new LabelConfigException("the label config is longer than " + MAX_LENGTH + " characters");
        }
        Document document;
        try {
            document = builder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        } catch (SAXException e) {
            throw new LabelConfigException("the label config is not well-formed XML: " + e.getMessage());
        } catch (IOException e) {
            throw new LabelConfigException("the label config cannot be read");
        }
        Map<String, String> images = new LinkedHashMap<>();
        List<Control> controls = new ArrayList<>();
        NodeList all = document.getElementsByTagName("*");
        for (int i = 0; i < all.getLength(); i++) {
            Element element = (Element) all.item(i);
            String tag = element.getTagName().toLowerCase(Locale.ROOT);
            String name = element.getAttribute("name");
            if (tag.equals("image") && !name.isEmpty()) {
                String value = element.getAttribute("value").strip();
                images.putIfAbsent(name, value.startsWith("$") ? value.substring(1) : value);
            } else if ((tag.equals("brushlabels") || tag.equals("polygonlabels")) && !name.isEmpty()) {
                ControlType type = tag.equals("brushlabels") ? ControlType.BRUSH_LABELS : ControlType.POLYGON_LABELS;
                List<String> toNames = Arrays.stream(element.getAttribute("toName").split(","))
                        .map(String::strip).filter(s -> !s.isEmpty()).toList();
                controls.add(new Control(type, name, toNames, labels(element)));
            }
        }
        return new LabelConfig(images, controls);
    }

    private static List<LabelTag> labels(Element control) {
        List<LabelTag> labels = new ArrayList<>();
        NodeList children = control.getElementsByTagName("*");
        for (int i = 0; i < children.getLength(); i++) {
            Node node = children.item(i);
            Element label = (Element) node;
            if (!label.getTagName().equalsIgnoreCase("label")) {
                continue;
            }
            String value = label.hasAttribute("value") ? label.getAttribute("value") : label.getAttribute("alias");
            if (value.isEmpty()) {
                continue;
            }
            List<String> predicted = Arrays.stream(label.getAttribute("predicted_values").split(","))
                    .map(String::strip).filter(s -> !s.isEmpty()).toList();
            labels.add(new LabelTag(value, predicted));
        }
        return labels;
    }

    private static DocumentBuilder builder() {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            // Errors become exceptions (the default handler would also print them to stderr).
            builder.setErrorHandler(new DefaultHandler() {
                @Override
                public void error(SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            return builder;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK XML parser lacks the secure-processing features", e);
        }
    }
}
