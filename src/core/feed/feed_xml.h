// Strict reading of the feed's XML documents (the index, a help desk's announcements.xml) with
// the position of every problem: one shared reader, so both refuse the same things the same
// way. Internal to the feed layer.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <pugixml.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "feed/feed_announcement.h"

namespace fixtray {

// Reads one document in place over a copy of its bytes (pugixml keeps where every name and
// value starts), and collects problems as (byte offset, message). Not copyable: nodes point into
// its buffer.
class FeedXmlReader {
public:
    FeedXmlReader(std::string_view xml, const std::string& source);
    FeedXmlReader(const FeedXmlReader&) = delete;
    FeedXmlReader& operator=(const FeedXmlReader&) = delete;

    // Parses the document: refuses input over max_bytes (before parsing), empty input, control
    // characters other than tab, LF and CR (as raw bytes), malformed XML, a DOCTYPE and a second
    // root. `what` names the document in messages ("the index"), `kind` its sort ("a feed
    // index"); `no_root` is the message for a document without a root element. Returns the root
    // element, or an empty node after recording why there is none.
    pugi::xml_node load(std::size_t max_bytes, const std::string& what, const std::string& kind,
                        const std::string& no_root);

    // Byte offsets of what pugixml parsed: a name or value, an element's '<', an attribute's
    // name or value.
    std::size_t off(const char* p) const;
    std::size_t off(pugi::xml_node n) const;
    std::size_t off(pugi::xml_attribute a) const { return off(a.name()); }
    std::size_t off_value(pugi::xml_attribute a) const { return off(a.value()); }

    void error(std::size_t offset, std::string message);
    bool has_errors() const { return !errors_.empty(); }
    std::size_t error_count() const { return errors_.size(); }

    // Checks that `e` has no attributes but those in `required` and `optional` (each at most
    // once) and every one of `required`; returns them by name, required ones first (an absent
    // one is an empty attribute).
    std::vector<pugi::xml_attribute> attributes(pugi::xml_node e,
                                                std::initializer_list<const char*> required,
                                                std::initializer_list<const char*> optional = {});
    // "NAME="VALUE" is not EXPECTED", at the value.
    void bad_value(pugi::xml_attribute a, const std::string& expected);
    // Text directly inside `parent` (which holds only elements) is an error, at its first
    // character that is not white space. True when `c` was such text.
    bool refuse_text(pugi::xml_node c, const std::string& parent);

    // The problems as "SOURCE:LINE:COL: PREFIXmessage", in document order.
    std::vector<std::string> messages(const std::string& prefix = "") const;
    // The problems with their positions, in document order.
    std::vector<std::pair<SourceLocation, std::string>> located() const;

    std::string_view text() const { return xml_; }
    const std::string& source() const { return source_; }

private:
    std::vector<std::pair<std::size_t, std::string>> sorted() const;
    // The end of the character reference "&#...;" at `at` when it names a character XML 1.0
    // does not allow, else 0.
    std::size_t bad_reference(std::size_t at) const;

    std::string_view xml_;
    std::string source_;
    std::string buffer_;
    const char* base_ = nullptr;
    pugi::xml_document doc_;
    std::vector<std::pair<std::size_t, std::string>> errors_;  // offset, message
};

// "\"text\"", for messages.
std::string in_quotes(std::string_view s);
// Text as an attribute value (between double quotes): & < > " and tab, LF, CR escaped.
std::string escape_xml_attr(std::string_view s);
// Text as element content: & < > escaped, line breaks kept.
std::string escape_xml_text(std::string_view s);

// Reads one <announcement> element (feed_announcement.h has the rules) into `out`; false, with
// every problem recorded in `reader`, when it is not valid. `ids` holds the ids seen so far in
// the document (a repeated one is an error); the element's id is added.
bool read_announcement(FeedXmlReader& reader, pugi::xml_node e, std::set<std::string>& ids,
                       FeedAnnouncement& out);

}  // namespace fixtray
