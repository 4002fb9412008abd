#!/usr/bin/env python3
"""Writes tests/fixtures/chat_templates/conversations.json: the deterministic set of
conversations every chat-template parity test renders (system/user/assistant
turns, many scripts incl. RTL, emoji, quotes, backslashes, newlines, empty and
whitespace-only content, long conversations, role-order violations), plus the
extra variables the construct snippets read. The phrases are written for this
project; no dataset rows are copied.

Usage: python3 scripts/reference/gen_chat_conversations.py > tests/fixtures/chat_templates/conversations.json
"""
import json
import random

PHRASES = [
    "Hello! How are you today?",
    "Bonjour, pouvez-vous m'aider avec une question « délicate » ?",
    "Wie funktioniert das? Straße, Größe, Maß.",
    "¿Cómo estás? ¡Muy bien!",
    "Привет! Как дела? Это ТЕСТ.",
    "ΟΔΟΣ και ΣΟΦΙΑ: Καλημέρα σας.",
    "مرحبا، كيف حالك اليوم؟",
    "\u200fשלום עולם, מה שלומך?",
    "你好，请问今天天气怎么样？",
    "こんにちは、元気ですか？テストです。",
    "안녕하세요, 반갑습니다.",
    "नमस्ते, आप कैसे हैं?",
    "สวัสดีครับ ยินดีที่ได้รู้จัก",
    "İstanbul'da ılık bir gün; IĞDIR ve ışık.",
    "Emoji: 😀 👩🏽\u200d💻 🇫🇷 ❤️ 1️⃣",
    "Quotes \"double\" and 'single' and `backticks`",
    "Back\\slash \\n not a newline, C:\\path\\to\\file",
    "Line one\nLine two\n\nLine four\twith tab",
    "   leading and trailing spaces   ",
    "Template-looking text: {{ not_a_var }} {% if %} {# c #}",
    "Tiếng Việt có dấu: Xin chào các bạn.",
    "Ελληνικά ΣΊΣΥΦΟΣ ends with sigma Σ",
    "ǅemal and ǈubljana with titlecase digraphs",
    "Non-breaking\u00a0space and zero\u200bwidth",
    "Windows line\r\nending",
    "None",
    "True",
    "12345",
    "a" * 3,
    "Mixed: English, Русский, العربية, 中文, 😀",
]

SYSTEMS = [
    "You are a helpful assistant.",
    "Tu es un assistant utile. Réponds en français.",
    "أنت مساعد مفيد.",
    "",
    "  System with spaces  \n",
]


def conv(rng, n_turns, system):
    msgs = []
    if system is not None:
        msgs.append({"role": "system", "content": system})
    for i in range(n_turns):
        role = "user" if i % 2 == 0 else "assistant"
        msgs.append({"role": role, "content": rng.choice(PHRASES)})
    return msgs


def main():
    rng = random.Random(20240611)
    cases = []
    bos_eos = [("<s>", "</s>"), ("<|begin_of_text|>", "<|eot_id|>"), ("", ""), ("<bos>", "<eos>"), ("<|im_start|>", "<|im_end|>")]
    shapes = [
        (1, None), (1, 0), (3, 1), (2, None), (5, 0), (4, 2), (1, 3), (7, None), (3, 4), (9, 1),
        (1, 2), (3, None), (30, 0), (5, 3), (2, 1), (6, None), (1, None), (3, 0), (11, 2), (1, 4),
    ]
    for idx, (turns, sys_idx) in enumerate(shapes):
        system = None if sys_idx is None else SYSTEMS[sys_idx]
        bos, eos = bos_eos[idx % len(bos_eos)]
        cases.append({"messages": conv(rng, turns, system), "add_generation_prompt": idx % 2 == 0,
                      "bos_token": bos, "eos_token": eos})
    # every phrase as a single user turn at least once (some as the last assistant turn)
    for i in range(0, len(PHRASES), 6):
        msgs = [{"role": "user", "content": p} for p in PHRASES[i:i + 1]]
        msgs.append({"role": "assistant", "content": PHRASES[(i + 1) % len(PHRASES)]})
        msgs.append({"role": "user", "content": " ".join(PHRASES[i + 2:i + 6])})
        cases.append({"messages": msgs, "add_generation_prompt": True, "bos_token": "<s>", "eos_token": "</s>"})
    # empty contents, long content, odd roles
    cases.append({"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": ""},
                               {"role": "user", "content": "   "}], "add_generation_prompt": True,
                  "bos_token": "<s>", "eos_token": "</s>"})
    cases.append({"messages": [{"role": "user", "content": " ".join(PHRASES) * 20}],
                  "add_generation_prompt": False, "bos_token": "", "eos_token": ""})
    cases.append({"messages": [{"role": "user", "content": "first"}, {"role": "user", "content": "second in a row"}],
                  "add_generation_prompt": True, "bos_token": "<s>", "eos_token": "</s>"})
    cases.append({"messages": [{"role": "assistant", "content": "I start"}, {"role": "user", "content": "then me"}],
                  "add_generation_prompt": True, "bos_token": "<s>", "eos_token": "</s>"})
    cases.append({"messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "q"},
                               {"role": "tool", "content": "{\"result\": 42}"}],
                  "add_generation_prompt": True, "bos_token": "<s>", "eos_token": "</s>"})
    extra = {
        "custom": {"b": 2, "a": [1, 2.5, "x", None, True], "nested": {"k": "v", "π": 3.14159}},
        "nums": [3, -1, 2, 10, 0, 7],
        "floats": [0.1, 2.5, -3.75, 1e-7, 12345678.9, 1e22],
        "names": ["Zoë", "ali", "Ärger", "bob", "Ali", "émile"],
        "people": [{"name": "Ana", "age": 31, "lang": "pt"}, {"name": "Bo", "age": 25, "lang": "sv"},
                   {"name": "Chen", "age": 40, "lang": "zh"}, {"name": "Dana", "lang": "he"}],
        "tools_list": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
        "flag": False,
        "empty": [],
        "text": "  Mixed Case Text with ΣΊΣΥΦΟΣ and ß  ",
    }
    for c in cases:
        c["extra"] = extra
    print(json.dumps(cases, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
