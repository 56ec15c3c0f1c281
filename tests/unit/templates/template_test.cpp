// The pongo2 subset of image templates: output, lookups, config_get, conditions, loops, errors.
#include <gtest/gtest.h>
#include <cstdlib>

#include "templates/Template.h"
#include "util/ApiError.h"

using lxdp::templates::render;
using lxdp::templates::Value;

namespace {

Value context() {
    Value instance = {{"name", "c1"}, {"architecture", "x86_64"}, {"privileged", "false"}, {"ephemeral", "false"}};
    return {{"trigger", "create"},
            {"path", "/etc/hostname"},
            {"container", instance},
            {"instance", instance},
            {"config", {{"user.foo", "bar\n"}, {"user.empty", ""}, {"limits.cpu", "2"}}},
            {"devices", {{"eth0", {{"type", "nic"}, {"nictype", "bridged"}}}}},
            {"properties", {{"default", "#cloud-config\n{}"}, {"foo", "Bar"}}},
            {"list", {"a", "b", "c"}},
            {"n", 3},
            {"t", true}};
}

std::string r(const std::string& text) { return render(text, context()); }

void expectSyntaxError(const std::string& text, const std::string& fragment) {
    try {
        render(text, context());
        ADD_FAILURE() << "no error for: " << text;
    } catch (const lxdp::ApiError& e) {
        EXPECT_EQ(e.status(), 400);
        std::string msg = e.what();
        EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
    }
}

TEST(Template, PlainTextPassesThrough) {
    EXPECT_EQ(r(""), "");
    EXPECT_EQ(r("127.0.0.1\tlocalhost\n{ not a tag } {x}"), "127.0.0.1\tlocalhost\n{ not a tag } {x}");
}

TEST(Template, InstanceLookups) {
    EXPECT_EQ(r("{{ container.name }}\n"), "c1\n");
    EXPECT_EQ(r("{{instance.name}}.{{ instance.architecture }}"), "c1.x86_64");
    EXPECT_EQ(r("{{ trigger }} {{ path }}"), "create /etc/hostname");
    EXPECT_EQ(r("{{ devices.eth0.nictype }} {{ devices[\"eth0\"][\"type\"] }}"), "bridged nic");
    EXPECT_EQ(r("{{ config[\"limits.cpu\"] }}"), "2");
    EXPECT_EQ(r("{{ list.1 }}{{ list[2] }}"), "bc");
}

TEST(Template, UnknownVariablesRenderEmpty) {
    EXPECT_EQ(r("[{{ nope }}][{{ container.nope.deeper }}][{{ list[9] }}][{{ n.x }}]"), "[][][][]");
}

TEST(Template, Literals) {
    EXPECT_EQ(r("{{ \"a\\\"b\" }}{{ 'c' }}{{ 42 }}{{ -1 }}{{ true }}{{ none }}"), "a\"bc42-1True");
}

TEST(Template, ConfigGet) {
    EXPECT_EQ(r("{{ config_get(\"user.foo\", \"d\") }}"), "bar");  // trailing newline trimmed, as LXD does
    EXPECT_EQ(r("{{ config_get(\"user.missing\", \"d\") }}"), "d");
    EXPECT_EQ(r("[{{ config_get(\"user.empty\", \"d\") }}]"), "[]");  // present but empty: LXD keeps ""
    EXPECT_EQ(r("{{ config_get(\"user.missing\", properties.default) }}"), "#cloud-config\n{}");
    EXPECT_EQ(render("{{ config_get(\"a\", \"d\") }}", Value::object()), "d");
}

TEST(Template, Filters) {
    EXPECT_EQ(r("{{ nope|default:\"x\" }} {{ container.name|default:\"x\" }}"), "x c1");
    EXPECT_EQ(r("{{ properties.foo|lower }}{{ properties.foo|upper }}"), "barBAR");
    EXPECT_EQ(r("{{ \"<a href='x'>&</a>\"|escape }}"), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
    EXPECT_EQ(r("{{ \"<b>\"|safe }}{{ \"<b>\"|e }}"), "<b>&lt;b&gt;");
    EXPECT_EQ(r("{{ nope|default:properties.foo|upper }}"), "BAR");
}

TEST(Template, IfElifElse) {
    const std::string t = "{% if trigger == \"start\" %}S{% elif trigger == \"create\" %}C{% else %}E{% endif %}";
    EXPECT_EQ(r(t), "C");
    Value ctx = context();
    ctx["trigger"] = "start";
    EXPECT_EQ(render(t, ctx), "S");
    ctx["trigger"] = "rename";
    EXPECT_EQ(render(t, ctx), "E");
    EXPECT_EQ(r("{% if nope %}yes{% endif %}"), "");
}

TEST(Template, ComparisonsAndLogic) {
    EXPECT_EQ(r("{% if n > 2 and n < 4 %}y{% endif %}"), "y");
    EXPECT_EQ(r("{% if n >= 3 && n <= 3 %}y{% endif %}"), "y");
    EXPECT_EQ(r("{% if n != 3 or not t %}y{% else %}n{% endif %}"), "n");
    EXPECT_EQ(r("{% if !(n == 3) || false %}y{% else %}n{% endif %}"), "n");
    EXPECT_EQ(r("{% if \"x\" in container.name %}y{% endif %}{% if \"1\" in container.name %}1{% endif %}"), "1");
    EXPECT_EQ(r("{% if \"b\" in list %}y{% endif %}{% if \"eth0\" in devices %}d{% endif %}"), "yd");
    EXPECT_EQ(r("{% if \"abc\" < \"abd\" %}y{% endif %}{% if n == 3.0 %}f{% endif %}"), "yf");
    EXPECT_EQ(r("{% if config_get(\"user.meta-data\", \"\") == \"\" %}empty{% endif %}"), "empty");
}

TEST(Template, Truthiness) {
    Value ctx = {{"e", ""}, {"z", 0}, {"f", false}, {"n", nullptr}, {"l", Value::array()}, {"s", "x"}, {"one", 1}};
    EXPECT_EQ(render("{% if e or z or f or n or l %}t{% else %}f{% endif %}", ctx), "f");
    EXPECT_EQ(render("{% if s and one %}t{% endif %}", ctx), "t");
}

TEST(Template, ForLoops) {
    EXPECT_EQ(r("{% for x in list %}{{ x }},{% endfor %}"), "a,b,c,");
    EXPECT_EQ(r("{% for i, x in list %}{{ i }}={{ x }} {% endfor %}"), "0=a 1=b 2=c ");
    EXPECT_EQ(r("{% for name, dev in devices %}{{ name }}:{{ dev.type }}{% endfor %}"), "eth0:nic");
    EXPECT_EQ(r("{% for k in properties %}{{ k }} {% endfor %}"), "default foo ");
    EXPECT_EQ(r("{% for x in nope %}never{% endfor %}{{ x }}"), "");
}

TEST(Template, CommentsAndWhitespaceControl) {
    EXPECT_EQ(r("a{# hidden {{ x }} #}b"), "ab");
    EXPECT_EQ(r("a  \n  {%- if t -%}  \n  b  {%- endif %}\n"), "ab\n");
    EXPECT_EQ(r("x {{- container.name -}} y"), "xc1y");
}

TEST(Template, RealImageTemplates) {
    // Shapes used by the Ubuntu cloud images' templates.
    const std::string userData =
        "{{ config_get(\"cloud-init.user-data\", properties.default) }}\n";
    EXPECT_EQ(r(userData), "#cloud-config\n{}\n");
    const std::string metaData =
        "instance-id: {{ container.name }}\n"
        "local-hostname: {{ container.name }}\n"
        "{{ config_get(\"user.meta-data\", \"\") }}\n";
    EXPECT_EQ(r(metaData), "instance-id: c1\nlocal-hostname: c1\n\n");
}

TEST(Template, SyntaxErrorsNameThePosition) {
    expectSyntaxError("{{ container.name ", "line 1, column 1: unclosed '{{'");
    expectSyntaxError("ok\n  {{ a b }}", "line 2, column 8: expected '}}'");
    expectSyntaxError("{% if x %}a", "missing '{% endif %}'");
    expectSyntaxError("{% for x in l %}a", "missing '{% endfor %}'");
    expectSyntaxError("{% endif %}", "unexpected 'endif'");
    expectSyntaxError("{{ \"abc }}", "unterminated string");
    expectSyntaxError("{{ a $ b }}", "unexpected character '$'");
    expectSyntaxError("{# never closed", "unclosed comment");
    expectSyntaxError("{{ x|nosuch }}", "unknown filter 'nosuch'");
    expectSyntaxError("{{ x|default }}", "needs an argument");
    expectSyntaxError("{{ config_get(\"a\") }}", "config_get takes 2 arguments");
    expectSyntaxError("{{ }}", "expected a value");
}

TEST(Template, NoFileAccessTagsOrFunctions) {
    expectSyntaxError("{% include \"/etc/shadow\" %}", "unsupported tag 'include'");
    expectSyntaxError("{% ssi \"/etc/shadow\" %}", "unsupported tag 'ssi'");
    expectSyntaxError("{% extends \"/etc/passwd\" %}", "unsupported tag 'extends'");
    expectSyntaxError("{% import \"x\" y %}", "unsupported tag 'import'");
    expectSyntaxError("{{ open(\"/etc/shadow\") }}", "unknown function 'open'");
}

TEST(Template, HostileNestingIsBounded) {
    expectSyntaxError("{{ " + std::string(10000, '(') + "1" + std::string(10000, ')') + " }}", "nested too deeply");
    expectSyntaxError("{{ " + std::string(10000, '!') + "1 }}", "nested too deeply");
    std::string chain = "{{ a";
    for (int i = 0; i < 10000; ++i) chain += " or a";
    expectSyntaxError(chain + " }}", "nested too deeply");
    std::string ifs;
    for (int i = 0; i < 1000; ++i) ifs += "{% if t %}";
    expectSyntaxError(ifs, "nested too deeply");
}

TEST(Template, RunawayLoopsAreStopped) {
    Value ctx = {{"l", Value::array()}};
    for (int i = 0; i < 100; ++i) ctx["l"].push_back(i);
    std::string t = "{% for a in l %}{% for b in l %}{% for c in l %}{% for d in l %}x{% endfor %}{% endfor %}"
                    "{% endfor %}{% endfor %}";
    try {
        render(t, ctx);
        ADD_FAILURE() << "no error";
    } catch (const lxdp::ApiError& e) {
        EXPECT_EQ(e.status(), 400);
        EXPECT_NE(std::string(e.what()).find("too long"), std::string::npos) << e.what();
    }
}

}  // namespace

TEST(Template, DateFilterFormatsTimestampsWithGoLayouts) {
    setenv("TZ", "UTC", 1);
    tzset();
    const Value ctx = {{"creation_date", "2026-11-28T07:05:05.123Z"}};
    EXPECT_EQ(render("{{ creation_date|date:'2006-01-02_15-04-05' }}", ctx), "2026-11-28_07-05-05");
    EXPECT_EQ(render("snap-{{ creation_date|date:\"Jan-2\" }}", ctx), "snap-Nov-28");
    // Not a timestamp: nothing, as no date can be made of it.
    EXPECT_EQ(render("{{ missing|date:'2006' }}", ctx), "");
    EXPECT_EQ(render("{{ 12|date:'2006' }}", ctx), "");
}

TEST(Template, DateFilterNeedsALayout) {
    EXPECT_THROW(render("{{ creation_date|date }}", Value::object()), lxdp::ApiError);
}
