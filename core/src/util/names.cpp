#include "util/names.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include <openssl/rand.h>

#include "util/ascii.hpp"

namespace warren {
namespace {

// Short, plain, inoffensive words: a random name ends up in someone's public
// URL. 340 x 352 x 352 gives about 42 million names.
constexpr std::array<std::string_view, 340> adjectives{
    "able", "active", "adept", "agile", "agreeable", "airy", "alert", "amber", "amiable", "ample",
    "amused", "apt", "arctic", "ardent", "artful", "astral", "autumn", "avid", "azure", "balanced",
    "balmy", "basic", "beige", "blissful", "blithe", "bold", "bonny", "bouncy", "bountiful",
    "brainy", "brave", "breezy", "brief", "bright", "brisk", "broad", "bronze", "bubbly", "busy",
    "calm", "calming", "candid", "careful", "caring", "charming", "chatty", "cheery", "chief",
    "chilly", "chipper", "civil", "classic", "clean", "clear", "clever", "cloudy", "coastal",
    "cobalt", "comfy", "content", "cool", "cordial", "cosmic", "cosy", "crafty", "creamy", "crisp",
    "curious", "curly", "cyan", "dainty", "dapper", "daring", "dashing", "dazzling", "dear",
    "decent", "deft", "devoted", "dewy", "direct", "distant", "dotted", "dreamy", "dusky",
    "dynamic", "eager", "early", "earnest", "earthy", "easy", "easygoing", "elated", "elegant",
    "emerald", "epic", "equal", "even", "exact", "expert", "fabulous", "fair", "faithful", "famous",
    "fancy", "fast", "fearless", "festive", "fiery", "fine", "firm", "flashy", "fleet", "floral",
    "fluent", "fluffy", "focused", "fond", "frank", "free", "fresh", "friendly", "frisky", "frosty",
    "frugal", "funny", "generous", "genial", "gentle", "genuine", "gifted", "glad", "gleaming",
    "glossy", "glowing", "golden", "good", "graceful", "gracious", "grand", "grateful", "green",
    "groovy", "gusty", "handy", "happy", "hardy", "hasty", "hearty", "helpful", "heroic", "hidden",
    "honest", "honeyed", "hopeful", "humble", "humming", "icy", "ideal", "indigo", "jade", "jaunty",
    "jazzy", "jolly", "jovial", "joyful", "jumpy", "keen", "kind", "kindly", "large", "laughing",
    "lavish", "lawful", "leafy", "level", "light", "likely", "lilac", "limber", "lively", "local",
    "lofty", "lovely", "loyal", "lucid", "lucky", "lunar", "lush", "magic", "major", "mellow",
    "merry", "mighty", "mild", "mindful", "minty", "misty", "modern", "modest", "mossy", "neat",
    "nifty", "nimble", "noble", "north", "novel", "oaken", "open", "orange", "orderly", "pastel",
    "patient", "pearly", "peppy", "perky", "placid", "playful", "pleasant", "plucky", "plush",
    "poised", "polar", "polite", "precise", "pretty", "prime", "proud", "quaint", "quick", "quiet",
    "quirky", "radiant", "rapid", "rare", "ready", "regal", "relaxed", "robust", "rocky", "roomy",
    "rosy", "rowdy", "royal", "ruby", "rugged", "rustic", "safe", "sandy", "savvy", "scenic",
    "serene", "shaggy", "sharp", "shiny", "silent", "silky", "silver", "simple", "sincere", "sleek",
    "smart", "smooth", "snappy", "snowy", "snug", "social", "solar", "solid", "sonic", "sound",
    "spare", "sparkly", "speedy", "spicy", "spiffy", "sprightly", "spry", "stable", "starry",
    "steady", "stellar", "still", "stormy", "stout", "sturdy", "sublime", "sugary", "sunny",
    "super", "sure", "sweet", "swift", "tactful", "tall", "tame", "tangy", "teal", "tender",
    "thrifty", "tidy", "timely", "tiny", "tough", "tranquil", "trim", "tropical", "true", "trusty",
    "twinkly", "unique", "upbeat", "urban", "useful", "valid", "vast", "velvet", "verdant",
    "vibrant", "vivid", "wakeful", "warm", "wavy", "whimsical", "wholesome", "windy", "winsome",
    "wiry", "wise", "witty", "wondrous", "woolly", "worthy", "yellow", "young", "youthful", "zany",
    "zealous", "zesty", "zippy"};

constexpr std::array<std::string_view, 352> nouns{
    "acorn", "almond", "anchor", "anvil", "apple", "apricot", "arch", "arrow", "aspen", "atlas",
    "badge", "badger", "bagel", "bamboo", "banjo", "barley", "basil", "basin", "bay", "beacon",
    "beam", "bear", "beaver", "bell", "berry", "birch", "biscuit", "bison", "blossom", "boat",
    "bobcat", "bonsai", "book", "breeze", "brick", "bridge", "brook", "bucket", "button", "cabin",
    "cactus", "camel", "canal", "candle", "canoe", "canyon", "cape", "cargo", "carrot", "cashew",
    "castle", "cedar", "cello", "chalk", "cherry", "chess", "cider", "citrus", "clam", "cliff",
    "clock", "cloud", "clover", "coast", "cobble", "cocoa", "comb", "comet", "compass", "cookie",
    "coral", "cotton", "cove", "crane", "crater", "crayon", "creek", "cricket", "crown", "crystal",
    "cup", "daisy", "delta", "desk", "dew", "dingo", "dolphin", "donut", "dove", "dragon", "drum",
    "dune", "eagle", "easel", "echo", "elm", "ember", "falcon", "falls", "fern", "ferry", "fiddle",
    "field", "fig", "finch", "fjord", "flag", "flute", "forest", "fossil", "fox", "frost", "galaxy",
    "garden", "garnet", "gate", "gazebo", "gecko", "geyser", "ginger", "glacier", "glade", "globe",
    "goose", "grape", "gravel", "grove", "guitar", "gull", "hammock", "harbor", "harp", "hawk",
    "hedge", "heron", "hill", "honey", "horizon", "husky", "igloo", "iris", "island", "ivy",
    "jacket", "jasmine", "jay", "jelly", "jewel", "kayak", "kernel", "kettle", "kite", "kiwi",
    "koala", "ladder", "lagoon", "lake", "lamp", "lantern", "lark", "leaf", "lemon", "lentil",
    "lily", "lime", "lion", "lobster", "locket", "loom", "lotus", "lynx", "magnet", "mango",
    "mantis", "maple", "marble", "marlin", "marsh", "meadow", "melon", "mesa", "meteor", "mint",
    "mirror", "mitten", "moon", "moose", "mosaic", "moth", "mountain", "muffin", "mule", "nebula",
    "nest", "newt", "noodle", "nova", "nugget", "nutmeg", "oak", "oar", "oasis", "ocean", "orbit",
    "orca", "orchid", "otter", "owl", "oyster", "paddle", "pagoda", "panda", "pantry", "papaya",
    "parcel", "parrot", "pasta", "pasture", "path", "peanut", "pear", "pebble", "pecan", "pelican",
    "pencil", "penguin", "pepper", "petal", "piano", "pier", "pike", "pillow", "pine", "pinecone",
    "pixel", "planet", "plum", "pond", "pony", "poppy", "prairie", "pretzel", "prism", "puffin",
    "pumpkin", "puzzle", "quail", "quartz", "quill", "quokka", "rabbit", "radish", "raft", "rafter",
    "rain", "ramen", "raven", "reed", "reef", "ribbon", "ridge", "river", "robin", "robot",
    "rocket", "rose", "rover", "rune", "saddle", "sage", "sailor", "salmon", "sandal", "sapling",
    "satchel", "scarf", "scone", "seal", "seashell", "shell", "shore", "shovel", "shrub", "sierra",
    "sketch", "skiff", "sky", "sled", "sloth", "snail", "sorbet", "sparrow", "spindle", "sponge",
    "spoon", "spring", "sprout", "spruce", "squid", "star", "starling", "stone", "stream", "summit",
    "sun", "sundial", "swan", "table", "tadpole", "tassel", "teapot", "thistle", "thrush", "tide",
    "tiger", "timber", "toast", "tomato", "torch", "tortoise", "tower", "trail", "trout", "trumpet",
    "tuba", "tugboat", "tulip", "tundra", "turtle", "twig", "urchin", "valley", "vapor", "vine",
    "violet", "violin", "waffle", "wagon", "walnut", "walrus", "wave", "whale", "wharf", "willow",
    "window", "wombat", "wren", "yacht", "yak", "yarn", "zebra", "zephyr"};

// Sorted for binary search.
constexpr std::array<std::string_view, 61> reserved_names{
    "abuse", "account", "accounts", "admin", "administrator", "api", "app", "assets", "auth",
    "autoconfig", "autodiscover", "billing", "blog", "cdn", "connect", "console", "dashboard",
    "dns", "docs", "ftp", "gateway", "git", "health", "help", "hostmaster", "id", "imap",
    "internal", "intranet", "localhost", "login", "logout", "mail", "metrics", "mta-sts", "mx",
    "noc", "ns", "ns1", "ns2", "ns3", "ns4", "oauth", "pop", "pop3", "portal", "postmaster",
    "root", "security", "signup", "smtp", "sso", "static", "status", "support", "tunnel",
    "warren", "webmail", "webmaster", "wpad", "www"};

constexpr std::size_t max_label = 63;

// A uniform index in [0, n) from the CSPRNG. Draws that fall in the last,
// partial run of n values are redrawn so no index is favoured.
std::size_t uniform_index(std::size_t n) {
    constexpr auto range = std::uint64_t{std::numeric_limits<std::uint32_t>::max()} + 1;
    const std::uint64_t limit = range - range % n;
    for (;;) {
        std::uint32_t draw = 0;
        if (RAND_bytes(reinterpret_cast<unsigned char*>(&draw), sizeof draw) != 1)
            throw std::runtime_error("random_tunnel_name: the OpenSSL CSPRNG failed");
        if (draw < limit) return static_cast<std::size_t>(draw % n);
    }
}

template <std::size_t N>
std::string_view pick(const std::array<std::string_view, N>& words) {
    return words[uniform_index(N)];
}

}  // namespace

std::string random_tunnel_name() {
    std::string name{pick(adjectives)};
    name += '-';
    name += pick(nouns);
    name += '-';
    name += pick(nouns);
    return name;
}

bool is_valid_tunnel_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > max_label) return false;
    if (name.front() == '-' || name.back() == '-') return false;
    if (name.size() >= 4 && name[2] == '-' && name[3] == '-') return false;
    return std::ranges::all_of(name, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

bool is_reserved_tunnel_name(std::string_view name) noexcept {
    if (name.size() > max_label) return false;
    std::array<char, max_label> buf{};
    std::ranges::transform(name, buf.begin(), ascii_lower);
    return std::ranges::binary_search(reserved_names, std::string_view{buf.data(), name.size()});
}

}  // namespace warren
