// The upload page: drop files or a folder onto the drop zone, and keep each folder file's path.
// Without this script the two file inputs work on their own.
(function () {
  "use strict";

  function ready(callback) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", callback);
    } else {
      callback();
    }
  }

  ready(function () {
    const form = document.querySelector(".import-form");
    const zone = document.getElementById("import-dropzone");
    if (!form || !zone) {
      return;
    }
    const filesInput = form.querySelector("input[name=files]");
    const folderInput = form.querySelector("input[name=folder]");
    const chosen = document.getElementById("import-chosen");

    function describe() {
      const names = [];
      for (const input of [filesInput, folderInput]) {
        for (const file of input.files) {
          names.push(file.webkitRelativePath || file.name);
        }
      }
      chosen.textContent = names.length ? names.slice(0, 8).join(", ") + (names.length > 8 ? ", …" : "") : "";
    }

    filesInput.addEventListener("change", describe);
    folderInput.addEventListener("change", describe);
    // Files chosen before this script ran (a fast pick on a slow page, or a form the browser
    // restored on going back) are named too.
    describe();

    // A folder's files arrive at the server under their base names only; send each one's
    // path inside the folder beside it, in the same order.
    form.addEventListener("submit", function () {
      for (const old of form.querySelectorAll("input[name=folder_paths]")) {
        old.remove();
      }
      for (const file of folderInput.files) {
        const field = document.createElement("input");
        field.type = "hidden";
        field.name = "folder_paths";
        field.value = file.webkitRelativePath || file.name;
        form.appendChild(field);
      }
    });

    for (const name of ["dragenter", "dragover"]) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dropzone-active");
      });
    }
    for (const name of ["dragleave", "drop"]) {
      zone.addEventListener(name, function () {
        zone.classList.remove("dropzone-active");
      });
    }

    function readEntries(reader) {
      return new Promise(function (resolve, reject) {
        reader.readEntries(resolve, reject);
      });
    }

    // Walks a dropped folder; each file keeps its path below the dropped folder's parent.
    async function collect(entry, files, paths) {
      if (entry.isFile) {
        const file = await new Promise(function (resolve, reject) {
          entry.file(resolve, reject);
        });
        files.push(file);
        paths.push(entry.fullPath.replace(/^\//, ""));
        return;
      }
      const reader = entry.createReader();
      for (;;) {
        const batch = await readEntries(reader);
        if (!batch.length) {
          break;
        }
        for (const child of batch) {
          await collect(child, files, paths);
        }
      }
    }

    zone.addEventListener("drop", async function (event) {
      event.preventDefault();
      const items = Array.from(event.dataTransfer.items || []);
      const entries = items.map(function (item) {
        return item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
      });
      const hasFolder = entries.some(function (entry) {
        return entry && entry.isDirectory;
      });
      if (!hasFolder) {
        filesInput.files = event.dataTransfer.files;
        describe();
        return;
      }
      const files = [];
      const paths = [];
      for (const entry of entries) {
        if (entry) {
          await collect(entry, files, paths);
        }
      }
      const transfer = new DataTransfer();
      for (const file of files) {
        transfer.items.add(file);
      }
      folderInput.files = transfer.files;
      // Dropped files carry no webkitRelativePath, so their paths travel separately.
      form.dataset.droppedPaths = JSON.stringify(paths);
      chosen.textContent = paths.slice(0, 8).join(", ") + (paths.length > 8 ? ", …" : "");
    });

    form.addEventListener("submit", function () {
      if (!form.dataset.droppedPaths) {
        return;
      }
      const paths = JSON.parse(form.dataset.droppedPaths);
      const fields = form.querySelectorAll("input[name=folder_paths]");
      fields.forEach(function (field, index) {
        if (paths[index]) {
          field.value = paths[index];
        }
      });
    });
  });
})();
