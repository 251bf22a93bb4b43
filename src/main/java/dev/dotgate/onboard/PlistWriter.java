package dev.dotgate.onboard;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * Writes an XML property list (Apple's PropertyList-1.0 DTD) from plain Java values: {@code Map<String, ?>} is a
 * dict (in the map's order), {@code List<?>} an array, {@code String} a string, {@code Integer}/{@code Long} an
 * integer, {@code Boolean} true/false, {@code byte[]} data (base64). The StAX writer does the XML escaping.
 */
public final class PlistWriter {
    private static final String DOCTYPE = "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
            + "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">";

    private PlistWriter() {
    }

    /** The UTF-8 bytes of the document whose root is {@code root}. */
    public static byte[] write(Object root) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
            w.writeStartDocument("UTF-8", "1.0");
            w.writeCharacters("\n");
            w.writeDTD(DOCTYPE);
            w.writeCharacters("\n");
            w.writeStartElement("plist");
            w.writeAttribute("version", "1.0");
            w.writeCharacters("\n");
            value(w, root, 0);
            w.writeEndElement();
            w.writeCharacters("\n");
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write a property list: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /** {@link #write} as a string. */
    public static String toXml(Object root) {
        return new String(write(root), StandardCharsets.UTF_8);
    }

    private static void value(XMLStreamWriter w, Object v, int depth) throws XMLStreamException {
        indent(w, depth);
        if (v instanceof Map<?, ?> map) {
            w.writeStartElement("dict");
            w.writeCharacters("\n");
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new IllegalArgumentException("dict keys are strings, not " + e.getKey());
                }
                indent(w, depth + 1);
                element(w, "key", xmlText(key));
                value(w, e.getValue(), depth + 1);
            }
            indent(w, depth);
            w.writeEndElement();
        } else if (v instanceof List<?> list) {
            w.writeStartElement("array");
            w.writeCharacters("\n");
            for (Object item : list) {
                value(w, item, depth + 1);
            }
            indent(w, depth);
            w.writeEndElement();
        } else if (v instanceof String s) {
            element(w, "string", xmlText(s));
            return;
        } else if (v instanceof Integer || v instanceof Long) {
            element(w, "integer", v.toString());
            return;
        } else if (v instanceof Boolean b) {
            w.writeEmptyElement(b ? "true" : "false");
        } else if (v instanceof byte[] bytes) {
            element(w, "data", Base64.getEncoder().encodeToString(bytes));
            return;
        } else {
            throw new IllegalArgumentException("no property-list form for " + (v == null ? "null" : v.getClass()));
        }
        w.writeCharacters("\n");
    }

    private static void element(XMLStreamWriter w, String name, String text) throws XMLStreamException {
        w.writeStartElement(name);
        w.writeCharacters(text);
        w.writeEndElement();
        w.writeCharacters("\n");
    }

    /** XML 1.0 cannot carry most control characters, even escaped: refuse them instead of writing a broken file. */
    private static String xmlText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xFFFE || c == 0xFFFF) {
                throw new IllegalArgumentException("control character U+" + String.format("%04X", (int) c)
                        + " cannot be written in a property list: " + s);
            }
        }
        return s;
    }

    private static void indent(XMLStreamWriter w, int depth) throws XMLStreamException {
        w.writeCharacters("\t".repeat(depth));
    }
}
