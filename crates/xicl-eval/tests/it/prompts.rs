//! Exact prompt strings (docs/METHOD.md §6) and task logic without a model.

use xicl_eval::{
    BelebeleItem, BelebeleTask, BliItem, BliTask, CopaQuestion, LangRef, MtBridgeStyle, MtItem,
    MtTask, Outcome, PromptMode, SibItem, SibTask, Task, XcopaItem, XcopaTask, belebele_prompt,
    bli_bridged_prompt, bli_prompt, sib_prompt, translate_prompt, xcopa_prompt,
};

fn en() -> LangRef {
    LangRef::new("en", "English")
}
fn de() -> LangRef {
    LangRef::new("de", "Deutsch")
}
fn fr() -> LangRef {
    LangRef::new("fr", "Français")
}

#[test]
fn bli_prompts_are_the_reference_template() {
    let p = bli_prompt("English", "water", "Deutsch");
    assert_eq!(p, "English:\"water\"→Deutsch:");
    // the arrow is U+2192 and there are no spaces anywhere
    assert_eq!(p.chars().filter(|&c| c == '\u{2192}').count(), 1);
    assert!(!p.contains(' '));
    assert_eq!(
        bli_bridged_prompt("English", "water", "Français", "eau", "Deutsch"),
        "English:\"water\"\u{2192}Français:\"eau\"\u{2192}Deutsch:"
    );
    // native names are used verbatim, right-to-left scripts included
    assert_eq!(
        bli_prompt("Indonesia", "air", "עִברִית"),
        "Indonesia:\"air\"→עִברִית:"
    );
}

#[test]
fn translation_prompt() {
    assert_eq!(
        translate_prompt("English", "kiswahili", "The cat sleeps."),
        "Translate the following text from English to kiswahili:\nThe cat sleeps.\nTranslation:"
    );
}

#[test]
fn belebele_prompt_exact() {
    let opts = [
        "one".to_owned(),
        "two".to_owned(),
        "three".to_owned(),
        "four".to_owned(),
    ];
    assert_eq!(
        belebele_prompt("P text.", "Why?", &opts),
        "Answer the following question based on the passage. Respond with A, B, C, or D.\n\
Passage: P text.\nQuestion: Why?\nChoices:\nA: one\nB: two\nC: three\nD: four\nAnswer:"
    );
}

#[test]
fn xcopa_and_sib_prompts_exact() {
    assert_eq!(
        xcopa_prompt(
            "Mchwa walivamia nyumba.",
            CopaQuestion::Effect,
            "Waliondoka.",
            "Walikula mbao."
        ),
        "Choose the more plausible alternative. Respond with 1 or 2.\nPremise: Mchwa walivamia nyumba.\n\
Question: What happened as a result?\n1: Waliondoka.\n2: Walikula mbao.\nAnswer:"
    );
    assert!(
        xcopa_prompt("p", CopaQuestion::Cause, "a", "b")
            .contains("Question: What was the cause?\n")
    );
    let labels = ["science/technology", "travel", "politics"];
    assert_eq!(
        sib_prompt("Habari.", &labels),
        "Classify the topic of the following text. Respond with one of: science/technology, travel, politics.\n\
Text: Habari.\nTopic:"
    );
}

fn water() -> BliItem {
    BliItem {
        source: "water".into(),
        targets: vec!["Wasser".into(), "Gewässer".into()],
    }
}

#[test]
fn bli_direct_flow() {
    let task = BliTask::new(en(), de());
    let mode = PromptMode::Direct;
    assert_eq!(task.key(), "bli:en-de");
    let steps = task.steps(&mode);
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].max_new_tokens, 30);
    assert_eq!(steps[0].stop, ["\n"]);
    assert_eq!(
        task.prompts(&water(), &mode, 0, &[]),
        ["English:\"water\"→Deutsch:"]
    );
    let out = task.outcome(&water(), &mode, &[vec![" \"wasser\"".into()]]);
    assert_eq!(
        out,
        Outcome::Choice {
            prediction: Some("wasser".into()),
            gold: vec!["Wasser".into(), "Gewässer".into()],
            correct: true
        }
    );
    // parse failure is wrong
    let out = task.outcome(&water(), &mode, &[vec!["\n".into()]]);
    assert!(matches!(
        out,
        Outcome::Choice {
            prediction: None,
            correct: false,
            ..
        }
    ));
}

#[test]
fn bli_bridged_flow() {
    let task = BliTask::new(en(), de());
    let mode = PromptMode::Bridge(fr());
    assert_eq!(task.steps(&mode).len(), 2);
    assert_eq!(
        task.prompts(&water(), &mode, 0, &[]),
        ["English:\"water\"→Français:"]
    );
    let h1 = vec![vec![" \"eau\"\n".to_owned()]];
    assert_eq!(
        task.prompts(&water(), &mode, 1, &h1),
        ["English:\"water\"→Français:\"eau\"→Deutsch:"]
    );
    let h2 = vec![h1[0].clone(), vec![" \"Gewässer\"".to_owned()]];
    assert!(matches!(
        task.outcome(&water(), &mode, &h2),
        Outcome::Choice { correct: true, .. }
    ));
    // an unusable bridge word: no second prompt, item wrong
    let bad = vec![vec!["  ".to_owned()]];
    assert!(task.prompts(&water(), &mode, 1, &bad).is_empty());
    let hist = vec![bad[0].clone(), Vec::new()];
    assert!(matches!(
        task.outcome(&water(), &mode, &hist),
        Outcome::Choice {
            prediction: None,
            correct: false,
            ..
        }
    ));
}

#[test]
fn bli_scoring_strips_niqqud() {
    let task = BliTask::new(en(), LangRef::new("he", "עִברִית"));
    let item = BliItem {
        source: "peace".into(),
        targets: vec!["שלום".into()],
    };
    let mode = PromptMode::Direct;
    // pointed prediction vs unpointed gold
    let o = task.outcome(&item, &mode, &[vec![" \"שָׁלוֹם\"".into()]]);
    assert!(matches!(o, Outcome::Choice { correct: true, .. }), "{o:?}");
    // pointed gold vs unpointed prediction
    let item2 = BliItem {
        source: "peace".into(),
        targets: vec!["שָׁלוֹם".into()],
    };
    let o = task.outcome(&item2, &mode, &[vec![" שלום\n".into()]]);
    assert!(matches!(o, Outcome::Choice { correct: true, .. }), "{o:?}");
    // a different word is still wrong after stripping
    let o = task.outcome(&item, &mode, &[vec![" \"שָׁלֵם\"".into()]]);
    assert!(matches!(o, Outcome::Choice { correct: false, .. }), "{o:?}");
}

#[test]
fn mt_flows() {
    let item = MtItem {
        index: 7,
        source: "Hello.".into(),
        reference: "Hallo.".into(),
    };
    let mut task = MtTask::new(en(), de());
    assert_eq!(task.item_id(&item), "7");
    assert_eq!(
        task.prompts(&item, &PromptMode::Direct, 0, &[]),
        ["Translate the following text from English to Deutsch:\nHello.\nTranslation:"]
    );
    let mode = PromptMode::Bridge(fr());
    assert_eq!(
        task.prompts(&item, &mode, 0, &[]),
        ["Translate the following text from English to Français:\nHello.\nTranslation:"]
    );
    let h = vec![vec![" Bonjour.\nTranslate".to_owned()]];
    assert_eq!(
        task.prompts(&item, &mode, 1, &h),
        ["Translate the following text from Français to Deutsch:\nBonjour.\nTranslation:"]
    );
    task.bridge_style = MtBridgeStyle::BothTexts;
    assert_eq!(
        task.prompts(&item, &mode, 1, &h),
        [
            "Translate the following text from English to Deutsch:\nHello.\nFrançais translation: Bonjour.\nTranslation:"
        ]
    );
    let h2 = vec![h[0].clone(), vec![" Hallo!\n".to_owned()]];
    assert_eq!(
        task.outcome(&item, &mode, &h2),
        Outcome::Translation {
            hypothesis: "Hallo!".into(),
            reference: "Hallo.".into()
        }
    );
    // BLEU tokeniser follows the target
    assert_eq!(
        MtTask::new(en(), LangRef::new("zh", "中文"))
            .bleu
            .tokenizer
            .signature(),
        "zh"
    );
    assert_eq!(
        MtTask::new(en(), LangRef::new("ja", "日本語"))
            .bleu
            .tokenizer
            .signature(),
        "char"
    );
}

#[test]
fn belebele_flows() {
    let task = BelebeleTask::new(de(), en());
    let item = BelebeleItem {
        link: "https://x/y".into(),
        question_number: 2,
        passage: "Der Hund schläft.".into(),
        question: "What does the dog do?".into(),
        options: [
            "eats".into(),
            "sleeps".into(),
            "runs".into(),
            "barks".into(),
        ],
        correct: 2,
    };
    assert_eq!(task.item_id(&item), "https://x/y#2");
    let o = task.outcome(&item, &PromptMode::Direct, &[vec![" B".into()]]);
    assert_eq!(
        o,
        Outcome::Choice {
            prediction: Some("B".into()),
            gold: vec!["B".into()],
            correct: true
        }
    );
    let mode = PromptMode::Bridge(en());
    assert_eq!(
        task.prompts(&item, &mode, 0, &[]),
        ["Translate the following text from Deutsch to English:\nDer Hund schläft.\nTranslation:"]
    );
    let h = vec![vec![" The dog sleeps.".to_owned()]];
    let p = task.prompts(&item, &mode, 1, &h);
    assert_eq!(p.len(), 1);
    assert!(p[0].contains("\nPassage: The dog sleeps.\nQuestion: What does the dog do?\n"));
    let bad = BelebeleItem { correct: 5, ..item };
    assert!(task.validate(&bad).is_err());
}

#[test]
fn xcopa_bridged_translates_three_inputs() {
    let task = XcopaTask::new(LangRef::new("sw", "kiswahili"));
    let item = XcopaItem {
        idx: 2,
        premise: "Mchwa walivamia nyumba.".into(),
        choice1: "Mchwa waliondoka.".into(),
        choice2: "Mchwa walikula mbao.".into(),
        question: CopaQuestion::Effect,
        label: 1,
    };
    let mode = PromptMode::Bridge(en());
    let p0 = task.prompts(&item, &mode, 0, &[]);
    assert_eq!(p0.len(), 3);
    assert_eq!(
        p0[1],
        "Translate the following text from kiswahili to English:\nMchwa waliondoka.\nTranslation:"
    );
    let h = vec![vec![
        " Termites invaded the house.".to_owned(),
        " The termites left.".to_owned(),
        " The termites ate the wood.".to_owned(),
    ]];
    assert_eq!(
        task.prompts(&item, &mode, 1, &h),
        [xcopa_prompt(
            "Termites invaded the house.",
            CopaQuestion::Effect,
            "The termites left.",
            "The termites ate the wood."
        )]
    );
    let h2 = vec![h[0].clone(), vec![" 2".to_owned()]];
    assert_eq!(
        task.outcome(&item, &mode, &h2),
        Outcome::Choice {
            prediction: Some("2".into()),
            gold: vec!["2".into()],
            correct: true
        }
    );
    // 'A' means the first choice
    let o = task.outcome(&item, &PromptMode::Direct, &[vec![" A".into()]]);
    assert!(matches!(o, Outcome::Choice { correct: false, .. }));
    // one empty translation: no final prompt
    let h3 = vec![vec![" x".to_owned(), "\n".to_owned(), " y".to_owned()]];
    assert!(task.prompts(&item, &mode, 1, &h3).is_empty());
    assert!(task.validate(&XcopaItem { label: 2, ..item }).is_err());
}

#[test]
fn sib_flows() {
    let labels: Vec<String> = [
        "science/technology",
        "travel",
        "politics",
        "sports",
        "health",
        "entertainment",
        "geography",
    ]
    .map(String::from)
    .to_vec();
    let task = SibTask::new(LangRef::new("sw", "kiswahili"), labels);
    let item = SibItem {
        index_id: 5,
        text: "Timu ilishinda.".into(),
        category: "sports".into(),
    };
    let o = task.outcome(&item, &PromptMode::Direct, &[vec![" Sports".into()]]);
    assert_eq!(
        o,
        Outcome::Choice {
            prediction: Some("sports".into()),
            gold: vec!["sports".into()],
            correct: true
        }
    );
    let o = task.outcome(
        &item,
        &PromptMode::Direct,
        &[vec![" politics, then sports".into()]],
    );
    assert!(matches!(o, Outcome::Choice { correct: false, .. }));
    assert!(
        task.validate(&SibItem {
            category: "music".into(),
            ..item
        })
        .is_err()
    );
}
