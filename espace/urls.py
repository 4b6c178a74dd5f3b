"""/espace/: the personal space of operators, structures and the national team."""

from django.contrib.auth import views as auth
from django.urls import path, reverse_lazy

from . import import_views, views

app_name = "espace"
AUTH = {"extra_context": {"espace": True}}

urlpatterns = [
    path("", views.tableau, name="tableau"),
    path("connexion/", auth.LoginView.as_view(template_name="espace/connexion.html", **AUTH), name="login"),
    path("deconnexion/", auth.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", auth.PasswordResetView.as_view(
        template_name="espace/mot_de_passe.html", email_template_name="espace/emails/mot_de_passe.txt",
        subject_template_name="espace/emails/mot_de_passe_sujet.txt",
        success_url=reverse_lazy("espace:mot-de-passe-envoye"), **AUTH), name="mot-de-passe"),
    path("mot-de-passe/envoye/", auth.PasswordResetDoneView.as_view(
        template_name="espace/message.html",
        extra_context={"title": "Courriel envoyé", "text": "Si un compte existe pour cette adresse, un lien pour "
                       "choisir un mot de passe vient de lui être envoyé."}), name="mot-de-passe-envoye"),
    path("mot-de-passe/<uidb64>/<token>/", auth.PasswordResetConfirmView.as_view(
        template_name="espace/mot_de_passe_choix.html", success_url=reverse_lazy("espace:mot-de-passe-fait"),
        post_reset_login=True, post_reset_login_backend="django.contrib.auth.backends.ModelBackend",
        **AUTH), name="mot-de-passe-choix"),
    path("mot-de-passe/fait/", auth.PasswordResetCompleteView.as_view(
        template_name="espace/message.html",
        extra_context={"title": "Mot de passe enregistré", "text": "Vous pouvez utiliser votre espace."}),
        name="mot-de-passe-fait"),
    path("dispositifs/", views.liste, name="liste"),
    path("dispositifs/nouveau/", views.creer, name="creer"),
    path("dispositifs/<int:pk>/", views.fiche, name="fiche"),
    path("dispositifs/<int:pk>/modifier/", views.modifier, name="modifier"),
    path("dispositifs/<int:pk>/publier/", views.publier, name="publier"),
    path("dispositifs/<int:pk>/renvoyer/", views.renvoyer, name="renvoyer"),
    path("dispositifs/<int:pk>/archiver/", views.archiver, name="archiver"),
    path("dispositifs/<int:pk>/verifier/", views.verifier, name="verifier"),
    path("verifie/<str:token>/", views.verifier_lien, name="verifie"),
    path("inviter/", views.inviter, name="inviter"),
    path("jeton/", views.jeton, name="jeton"),
    path("imports/", import_views.imports, name="imports"),
    path("imports/<int:pk>/", import_views.televersement, name="import"),
    path("imports/<int:pk>/correspondances/", import_views.correspondances, name="import-correspondances"),
    path("imports/<int:pk>/confirmer/", import_views.confirmer, name="import-confirmer"),
    path("imports/<int:pk>/rejets.xlsx", import_views.rejets, name="import-rejets"),
]
