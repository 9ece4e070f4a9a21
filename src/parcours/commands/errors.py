"""French wording for the operating-system errors a teacher may meet (disk full, no rights…)."""

from __future__ import annotations

import errno

_MESSAGES = {
    errno.ENOENT: "dossier ou fichier introuvable",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.ENOSPC: "plus d'espace disque",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EISDIR: "c'est un dossier",
    errno.EEXIST: "existe déjà",
}


def os_error_fr(exc: OSError) -> str:
    return _MESSAGES.get(exc.errno, exc.strerror or str(exc))
