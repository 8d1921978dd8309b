"""Hand-made tables for the ANSM thesaurus: English names of classes and non-drug factors, levels.

Keys are folded French names (:func:`graph_service.importers.inn.fold`, "x- y" PDF breaks joined).
Class translations were written by hand for the core drugs' neighbourhood and the commonest rules;
classes not listed keep only their French label.
"""

from __future__ import annotations

__all__ = ["CLASS_ENGLISH", "FACTORS", "LEVELS"]

#: original level (folded) -> (dikg severity, claim kind, English phrase used in summaries)
LEVELS: dict[str, tuple[str, str, str]] = {
    "contre-indication": (
        "Contraindicated",
        "Absolute",
        "contraindicated combination (contre-indication)",
    ),
    "association deconseillee": (
        "Major",
        "Relative",
        "combination not recommended (association déconseillée)",
    ),
    "precaution d'emploi": ("Moderate", "WarningKind", "precaution for use (précaution d'emploi)"),
    "a prendre en compte": (
        "Minor",
        "WarningKind",
        "to be taken into account (à prendre en compte)",
    ),
    "il convient de prendre en compte": (
        "Minor",
        "WarningKind",
        "to be taken into account (à prendre en compte)",
    ),
}

#: non-drug factors: folded name -> (English name, "drug" or "concept")
FACTORS: dict[str, tuple[str, str]] = {
    "alcool (boisson ou excipient)": ("ethanol", "drug"),
    "pamplemousse (jus et fruit)": ("grapefruit (juice and fruit)", "concept"),
    "medicaments administres par voie orale": ("medicines taken by mouth", "concept"),
    "preservatifs en latex": ("latex condoms", "concept"),
    "theine": ("theine (caffeine in tea)", "concept"),
    "sels de fer par voie injectable": ("injectable iron salts", "concept"),
    "medicaments utilises par voie vaginale": ("medicines used vaginally", "concept"),
}

#: ANSM class (folded) -> English label
CLASS_ENGLISH: dict[str, str] = {
    "morphiniques": "opioids (ANSM class)",
    "morphiniques antagonistes partiels": "partial opioid antagonists (ANSM class)",
    "morphiniques agonistes-antagonistes": "mixed opioid agonist-antagonists",
    "morphiniques en traitement de substitution": "opioids used as substitution treatment",
    "analgesiques morphiniques agonistes": "opioid agonist analgesics",
    "autres analgesiques morphiniques agonistes": "other opioid agonist analgesics",
    "analgesiques morphiniques de palier ii": "step II opioid analgesics",
    "analgesiques morphiniques de palier iii": "step III opioid analgesics",
    "antitussifs morphiniques vrais": "true opioid antitussives",
    "antitussifs morphine-like": "morphine-like antitussives",
    "antabuse (reaction)": "disulfiram-like (antabuse) reaction",
    "antivitamines k": "vitamin K antagonists",
    "anticoagulants oraux": "oral anticoagulants",
    "autres anticoagulants oraux": "other oral anticoagulants",
    "autres medicaments agissant sur l'hemostase": "other medicines acting on haemostasis",
    "antiagregants plaquettaires": "platelet aggregation inhibitors",
    "heparines": "heparins",
    "inhibiteurs puissants du cyp3a4": "strong CYP3A4 inhibitors",
    "substrats a risque du cyp3a4": "CYP3A4 substrates at risk",
    "inducteurs enzymatiques": "enzyme inducers",
    "anticonvulsivants inducteurs enzymatiques": "enzyme-inducing anticonvulsants",
    "anticonvulsivants metabolises": "metabolised anticonvulsants",
    "phenytoine (et, par extrapolation, fosphenytoine)": (
        "phenytoin (and, by extrapolation, fosphenytoin)"
    ),
    "phenobarbital (et, par extrapolation, primidone)": (
        "phenobarbital (and, by extrapolation, primidone)"
    ),
    "inhibiteurs de l'hmg-coa reductase (statines)": "HMG-CoA reductase inhibitors (statins)",
    "macrolides (sauf spiramycine)": "macrolides (except spiramycin)",
    "fluoroquinolones": "fluoroquinolones",
    "cyclines": "tetracyclines",
    "aminosides": "aminoglycosides",
    "penicillines": "penicillins",
    "sulfamides antibacteriens": "antibacterial sulfonamides",
    "medicaments sedatifs": "sedative medicines",
    "autres medicaments sedatifs": "other sedative medicines",
    "benzodiazepines et apparentes": "benzodiazepines and related drugs",
    "hypnotiques": "hypnotics",
    "barbituriques": "barbiturates",
    "neuroleptiques": "neuroleptics",
    "neuroleptiques antipsychotiques (sauf clozapine)": (
        "antipsychotic neuroleptics (except clozapine)"
    ),
    "neuroleptiques susceptibles de donner des torsades de pointes": (
        "neuroleptics that can cause torsades de pointes"
    ),
    "substances susceptibles de donner des torsades de pointes": (
        "substances that can cause torsades de pointes"
    ),
    "medicaments abaissant le seuil epileptogene": "medicines lowering the seizure threshold",
    "autres medicaments abaissant le seuil epileptogene": (
        "other medicines lowering the seizure threshold"
    ),
    "medicaments a l'origine d'un syndrome serotoninergique": (
        "medicines causing serotonin syndrome"
    ),
    "autres medicaments a l'origine d'un syndrome serotoninergique": (
        "other medicines causing serotonin syndrome"
    ),
    "inhibiteurs selectifs de la recapture de la serotonine": (
        "selective serotonin reuptake inhibitors"
    ),
    "antidepresseurs imipraminiques": "tricyclic (imipramine-type) antidepressants",
    "imao irreversibles": "irreversible MAO inhibitors",
    "imao-b": "MAO-B inhibitors",
    "medicaments a risque lors du sevrage tabagique": "medicines at risk during smoking cessation",
    "medicaments atropiniques": "atropinic (anticholinergic) medicines",
    "anti-inflammatoires non steroidiens": "non-steroidal anti-inflammatory drugs",
    "autres anti-inflammatoires non steroidiens": "other non-steroidal anti-inflammatory drugs",
    "corticoides": "corticosteroids",
    "glucocorticoides (sauf hydrocortisone)": "glucocorticoids (except hydrocortisone)",
    "immunosuppresseurs": "immunosuppressants",
    "cytotoxiques": "cytotoxic drugs",
    "vaccins vivants attenues": "live attenuated vaccines",
    "diuretiques": "diuretics",
    "diuretiques hypokaliemiants": "potassium-depleting diuretics",
    "hyperkaliemiants": "medicines raising potassium",
    "hypokaliemiants": "medicines lowering potassium",
    "medicaments abaissant la pression arterielle": "medicines lowering blood pressure",
    "bradycardisants": "bradycardic medicines",
    "antiarythmiques": "antiarrhythmics",
    "inhibiteurs de l'enzyme de conversion": "ACE inhibitors",
    "antagonistes des recepteurs de l'angiotensine ii": "angiotensin II receptor antagonists",
    "antagonistes des canaux calciques": "calcium channel blockers",
    "dihydropyridines": "dihydropyridines",
    "medicaments nephrotoxiques": "nephrotoxic medicines",
    "topiques gastro-intestinaux, antiacides et adsorbants": (
        "gastrointestinal topical agents, antacids and adsorbents"
    ),
    ("substances a absorption reduite par les topiques "
     "gastro-intestinaux, antiacides et adsorbants"): (
        "substances whose absorption is reduced by gastrointestinal topical agents, "
        "antacids and adsorbents"
    ),
    "sympathomimetiques indirects": "indirect sympathomimetics",
    "triptans": "triptans",
    "inhibiteurs de proteases boostes par ritonavir": "ritonavir-boosted protease inhibitors",
    "inhibiteurs de tyrosine kinases metabolises": "metabolised tyrosine kinase inhibitors",
    "alcaloides de l'ergot de seigle vasoconstricteurs": "vasoconstrictor ergot alkaloids",
    "estroprogestatifs contraceptifs": "combined hormonal contraceptives",
    "progestatifs contraceptifs": "progestogen-only contraceptives",
    "insuline": "insulin",
    "sulfamides hypoglycemiants": "sulfonylureas",
    "hormones thyroidiennes": "thyroid hormones",
    "retinoides": "retinoids",
    "valproique (acide) et, par extrapolation, valpromide": (
        "valproic acid (and, by extrapolation, valpromide)"
    ),
    "theophylline (et, par extrapolation, aminophylline)": (
        "theophylline (and, by extrapolation, aminophylline)"
    ),
}
