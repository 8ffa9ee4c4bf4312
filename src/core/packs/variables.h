// ${variable} expansion for step arguments. Values are substituted as whole strings: no
// splitting, no quoting, no shell ever sees them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace fixtray {

// One item of a list: a plain value (captured lines, string arrays) or a record with fields
// (site lists such as printers: name, uri).
struct ListItem {
    std::string value;                          // ${item}; for records: the first field's value
    std::map<std::string, std::string> fields;  // ${item.field}
};

class Variables {
public:
    void set(const std::string& name, std::string value) { scalars_[name] = std::move(value); }
    void set_list(const std::string& name, std::vector<ListItem> items) {
        lists_[name] = std::move(items);
    }
    // Binds a foreach variable to one item: ${name} and ${name.field}.
    void bind_item(const std::string& name, const ListItem& item);

    bool has(const std::string& name) const;
    const std::vector<ListItem>* list(const std::string& name) const;
    // Values of "list" or "list.field" (for foreach except=).
    std::vector<std::string> list_values(const std::string& path) const;

    // Replaces every ${name} and ${name.field}; "$$" is a literal '$'; a '$' not followed by
    // '{' or '$' stays as it is. Fails on an unknown name with a message naming it, and on an
    // unterminated "${". With keep_unknown, unknown names are left as written (for dry-run
    // plans).
    Result<std::string> expand(std::string_view text, bool keep_unknown = false) const;

    const std::map<std::string, std::string>& scalars() const { return scalars_; }

private:
    std::map<std::string, std::string> scalars_;
    std::map<std::string, std::vector<ListItem>> lists_;
};

}  // namespace fixtray
