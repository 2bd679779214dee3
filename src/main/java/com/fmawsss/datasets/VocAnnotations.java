package com.fmawsss.datasets;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Reads object class names from PASCAL VOC {@code Annotations/<id>.xml} files with the JDK parser,
 * hardened against XXE: DOCTYPEs are refused outright, so no entity (internal or external) and no
 * DTD is ever processed.
 */
final class VocAnnotations {

    private static final DocumentBuilderFactory FACTORY = hardenedFactory();

    private VocAnnotations() {}

    /**
     * Returns the {@code <name>} of every {@code <object>} directly under {@code <annotation>}, in
     * file order; person-layout {@code <part><name>}s are not objects and are skipped.
     *
     * @param xml the annotation file
     * @return the names as written (trimmed)
     * @throws DatasetException when the file cannot be read or parsed
     */
    static List<String> objectNames(Path xml) {
        try {
            DocumentBuilder builder;
            synchronized (FACTORY) {
                builder = FACTORY.newDocumentBuilder();
            }
            builder.setErrorHandler(null); // no stderr noise; failures surface as SAXException
            Element root = builder.parse(xml.toFile()).getDocumentElement();
            List<String> names = new ArrayList<>();
            for (Element object : children(root, "object")) {
                for (Element name : children(object, "name")) {
                    names.add(name.getTextContent().strip());
                }
            }
            return names;
        } catch (IOException | SAXException | ParserConfigurationException e) {
            throw new DatasetException("cannot read annotation " + xml + ": " + e.getMessage(), e);
        }
    }

    private static List<Element> children(Element parent, String tag) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE && nodes.item(i).getNodeName().equals(tag)) {
                out.add((Element) nodes.item(i));
            }
        }
        return out;
    }

    private static DocumentBuilderFactory hardenedFactory() {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        try {
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK XML parser lacks a required security feature", e);
        }
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        factory.setXIncludeAware(false);
        factory.setExpandEntityReferences(false);
        factory.setNamespaceAware(false);
        return factory;
    }
}
