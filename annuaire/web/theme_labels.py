"""Sub-theme labels (data·inclusion v1 `thematiques`), as gettext messages so every page language has them.

Generated from fixtures/themes.json; the French text is the msgid, the translations are in locale/.
A new sub-theme without an entry here is shown in French, marked lang="fr" (tests catch it)."""

from django.utils.translation import gettext_lazy as _

SUBTHEME_LABELS = {
    "choisir-un-metier--confirmer-son-choix-de-metier": _("Confirmer son choix de métier"),
    "choisir-un-metier--connaitre-les-opportunites-demploi": _("Connaître les opportunités d'emploi"),
    "choisir-un-metier--decouvrir-un-metier-ou-un-secteur-dactivite": _("Découvrir un métier ou un secteur d'activité"),
    "choisir-un-metier--identifier-ses-points-forts-et-ses-competences":
        _("Identifier ses points forts et ses compétences"),
    "creer-une-entreprise--definir-son-projet-de-creation-dentreprise":
        _("Définir son projet de création d'entreprise"),
    "creer-une-entreprise--developper-son-entreprise": _("Développer son entreprise"),
    "creer-une-entreprise--structurer-son-projet-de-creation-dentreprise":
        _("Structurer son projet de création d'entreprise"),
    "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives":
        _("Accompagnement aux démarches administratives"),
    "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-a-la-citoyennete":
        _("Accompagnement pour l'accès à la citoyenneté"),
    "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits":
        _("Accompagnement pour l'accès aux droits"),
    "difficultes-administratives-ou-juridiques--beneficier-dune-mesure-daccompagnement-adapte":
        _("Bénéficier d'une mesure d'accompagnement adapté"),
    "difficultes-administratives-ou-juridiques--connaitre-ses-droits-face-a-une-discrimination":
        _("Connaître ses droits face à une discrimination"),
    "difficultes-administratives-ou-juridiques--prendre-en-compte-une-problematique-judiciaire":
        _("Prendre en compte une problématique judiciaire"),
    "difficultes-financieres--acquerir-une-autonomie-budgetaire": _("Acquérir une autonomie budgétaire"),
    "difficultes-financieres--ameliorer-sa-gestion-budgetaire": _("Améliorer sa gestion budgétaire"),
    "difficultes-financieres--mettre-en-place-une-mesure-de-protection-financiere":
        _("Mettre en place une mesure de protection financière"),
    "difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere":
        _("Prévenir une dégradation de la situation financière"),
    "difficultes-financieres--situation-dendettement-surendettement": _("Situation d'endettement ou de surendettement"),
    "equipement-et-alimentation--aide-menagere": _("Aide ménagère"),
    "equipement-et-alimentation--alimentation": _("Alimentation"),
    "equipement-et-alimentation--electromenager": _("Électroménager"),
    "equipement-et-alimentation--habillement": _("Habillement"),
    "famille--garde-denfants": _("Garde d'enfants"),
    "famille--prise-en-charge-personne-dependante": _("Prise en charge d'une personne dépendante"),
    "famille--soutien-a-la-parentalite-et-a-leducation": _("Soutien à la parentalité et à l'éducation"),
    "famille--soutien-aidants": _("Soutien aux aidants"),
    "famille--surmonter-conflits-separation-violence":
        _("Surmonter les conflits liés à la séparation ou à la violence"),
    "lecture-ecriture-calcul--maitriser-le-calcul": _("Maîtriser le calcul"),
    "logement-hebergement--acheter-un-logement": _("Acheter un logement"),
    "logement-hebergement--changer-de-logement": _("Changer de logement"),
    "logement-hebergement--louer-un-logement": _("Louer un logement"),
    "logement-hebergement--rechercher-une-solution-dhebergement-temporaire":
        _("Rechercher une solution d'hébergement temporaire"),
    "logement-hebergement--reduire-les-impayes-de-loyer": _("Réduire les impayés de loyer"),
    "logement-hebergement--se-maintenir-dans-le-logement": _("Se maintenir dans le logement"),
    "logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement":
        _("S'informer sur les démarches liées à l'accès au logement"),
    "mobilite--acceder-a-un-vehicule": _("Accéder à un véhicule"),
    "mobilite--entretenir-reparer-son-vehicule": _("Entretenir et réparer son véhicule"),
    "mobilite--etre-accompagne-dans-son-parcours-mobilite": _("Être accompagné dans son parcours mobilité"),
    "mobilite--financer-ma-mobilite": _("Financer ma mobilité"),
    "mobilite--preparer-un-permis": _("Préparer un permis"),
    "mobilite--mobilite-douce-partagee-collective":
        _("Utiliser des services de mobilité douce, partagée ou collective"),
    "numerique--acceder-a-des-services-en-ligne": _("Accéder à des services en ligne"),
    "numerique--acceder-a-une-connexion-internet": _("Accéder à une connexion Internet"),
    "numerique--acquerir-un-equipement": _("Acquérir un équipement"),
    "numerique--maitriser-les-fondamentaux-du-numerique": _("Maîtriser les fondamentaux du numérique"),
    "preparer-sa-candidature--developper-son-reseau": _("Développer son réseau"),
    "preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi":
        _("Organiser ses démarches de recherche d'emploi"),
    "preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation":
        _("Réaliser un CV et/ou une lettre de motivation"),
    "preparer-sa-candidature--valoriser-ses-competences": _("Valoriser ses compétences"),
    "remobilisation--activites-sportives-et-culturelles": _("Activités sportives et culturelles"),
    "remobilisation--benevolat-action-citoyenne": _("Bénévolat et action citoyenne"),
    "remobilisation--bien-etre-confiance-en-soi": _("Bien-être et confiance en soi"),
    "remobilisation--lien-social": _("Lien social"),
    "sante--acces-aux-soins": _("Accès aux soins"),
    "sante--addictions": _("Addictions"),
    "sante--constituer-un-dossier-mdph-invalidite": _("Constituer un dossier MDPH pour invalidité"),
    "sante--sante-mentale": _("Santé mentale"),
    "sante--sante-sexuelle": _("Santé sexuelle"),
    "se-former--monter-son-dossier-de-formation": _("Monter son dossier de formation"),
    "se-former--trouver-sa-formation": _("Trouver sa formation"),
    "souvrir-a-linternational--connaitre-les-opportunites-demploi-a-letranger":
        _("Connaître les opportunités d'emploi à l'étranger"),
    "souvrir-a-linternational--sinformer-sur-les-aides-pour-travailler-a-letranger":
        _("S'informer sur les aides pour travailler à l'étranger"),
    "souvrir-a-linternational--sorganiser-suite-a-son-retour-en-france": _("S'organiser suite à son retour en France"),
    "trouver-un-emploi--convaincre-un-recruteur-en-entretien": _("Convaincre un recruteur en entretien"),
    "trouver-un-emploi--faire-des-candidatures-spontanees": _("Faire des candidatures spontanées"),
    "trouver-un-emploi--maintien-dans-lemploi": _("Maintien dans l'emploi"),
    "trouver-un-emploi--repondre-a-des-offres-demploi": _("Répondre à des offres d'emploi"),
    "trouver-un-emploi--suivre-ses-candidatures-et-relancer-les-employeurs":
        _("Suivre ses candidatures et relancer les employeurs"),
}
